// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ScheduleText.h"

#include "TimeText.h"

#include <array>
#include <ctime>

namespace bgtaskctl {
namespace {

using std::chrono::microseconds;

struct Unit {
    const char* name;
    microseconds length;
};

constexpr std::array kUnits{Unit{"w", std::chrono::hours(7 * 24)}, Unit{"d", std::chrono::hours(24)},
                            Unit{"h", std::chrono::hours(1)},      Unit{"min", std::chrono::minutes(1)},
                            Unit{"s", std::chrono::seconds(1)},    Unit{"ms", std::chrono::milliseconds(1)}};

std::string source(const bgtask::ScheduleRecord& s)
{
    if (s.source == "manifest")
        return "from the app's manifest";
    if (s.source == "app")
        return "submitted by the app";
    return "from " + s.source;
}

} // namespace

std::string spanText(microseconds span)
{
    std::string text;
    int parts = 0;
    for (const auto& unit : kUnits) {
        const auto count = span / unit.length;
        if (count == 0 || parts >= 2) {
            if (parts > 0)
                ++parts;   // units stay adjacent: "1 d 6 h", never "1 d 5 s"
            continue;
        }
        span -= count * unit.length;
        text += (text.empty() ? "" : " ") + std::to_string(count) + " " + unit.name;
        ++parts;
    }
    return text.empty() ? "0 s" : text;
}

std::string scheduleSummary(const bgtask::ScheduleRecord& s)
{
    if (s.interval.count() == 0)
        return "retried until it succeeds";
    std::string text = "every " + spanText(s.interval);
    if (s.flex.count() > 0)
        text += ", flex " + spanText(s.flex);
    if (s.randomizedDelay.count() > 0)
        text += ", randomized " + spanText(s.randomizedDelay);
    return text;
}

std::string localTime(bgtask::TimePoint time)
{
    const auto seconds = static_cast<std::time_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                                      time.time_since_epoch()).count());
    std::tm tm{};
    localtime_r(&seconds, &tm);
    char text[64];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
    return text;
}

std::string scheduleExplanation(const bgtask::ScheduleRecord& s, bgtask::TimePoint now)
{
    const auto at = [now](bgtask::TimePoint t) { return localTime(t) + " (" + relativeTime(t, now) + ")"; };
    std::string text = (s.interval.count() == 0 ? std::string("retried until it succeeds")
                                                : "scheduled " + scheduleSummary(s)) +
                       " (" + source(s) + ")\n";
    text += "next run: ";
    if (s.running)
        text += "this one is running; the next is submitted when it ends";
    else if (s.nextRunNotBefore)
        text += "not before " + at(*s.nextRunNotBefore);
    else
        text += "when it is submitted";
    if (s.failures > 0 && s.lastRunEnd)
        text += ", a retry after the failed run at " + at(*s.lastRunEnd);
    else if (s.lastSuccess && s.periodStart == s.lastSuccess)
        text += ", " + spanText(s.interval) + " after the last success at " + at(*s.lastSuccess);
    else if (s.periodStart)
        text += ", " + spanText(s.interval) + " after it was cancelled at " + at(*s.periodStart);
    else if (!s.lastSuccess)
        text += "; it has not run successfully yet";
    text += "\n";
    if (s.failures > 0)
        text += "failures: " + std::to_string(s.failures) + " since the last success, retrying with backoff (" +
                spanText(s.backoffDelay) + ", doubling up to " + spanText(s.maxBackoffDelay) + ")\n";
    return text;
}

void writeSchedule(JsonWriter& json, const bgtask::ScheduleRecord& s)
{
    const auto usec = [](microseconds d) { return static_cast<std::int64_t>(d.count()); };
    json.beginObject();
    json.key("app").value(s.app).key("identifier").value(s.identifier).key("kind").value(s.kind);
    json.key("source").value(s.source);
    json.key("intervalUsec").value(usec(s.interval)).key("flexUsec").value(usec(s.flex));
    json.key("randomizedDelayUsec").value(usec(s.randomizedDelay));
    json.key("backoffDelayUsec").value(usec(s.backoffDelay)).key("maxBackoffDelayUsec").value(usec(s.maxBackoffDelay));
    json.key("periodStart").time(s.periodStart).key("lastSuccess").time(s.lastSuccess);
    json.key("lastRunEnd").time(s.lastRunEnd);
    json.key("failures").value(static_cast<std::uint64_t>(s.failures));
    json.key("nextRunNotBefore").time(s.nextRunNotBefore).key("running").value(s.running);
    json.endObject();
}

} // namespace bgtaskctl
