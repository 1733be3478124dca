// SPDX-License-Identifier: LGPL-2.1-or-later
// bgtaskctl's schedule text: intervals in words, the table summary and what explain prints.
#include "ScheduleText.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <ctime>
#include <optional>
#include <sstream>
#include <string>

using namespace bgtaskctl;
using namespace std::chrono_literals;

namespace {

const bgtask::TimePoint kNow{std::chrono::seconds{1'700'000'000}};

bgtask::ScheduleRecord nightly()
{
    bgtask::ScheduleRecord s;
    s.app = "org.example.Sync";
    s.identifier = "org.example.Sync.db";
    s.kind = "processing";
    s.source = "manifest";
    s.interval = 12h;
    s.backoffDelay = 30s;
    s.maxBackoffDelay = 5h;
    return s;
}

// UTC for one test, the previous zone restored afterwards.
class Utc {
public:
    Utc()
    {
        if (const char* old = std::getenv("TZ"))
            previous_ = old;
        setenv("TZ", "UTC", 1);
        tzset();
    }
    ~Utc()
    {
        if (previous_)
            setenv("TZ", previous_->c_str(), 1);
        else
            unsetenv("TZ");
        tzset();
    }
    Utc(const Utc&) = delete;
    Utc& operator=(const Utc&) = delete;

private:
    std::optional<std::string> previous_;
};

} // namespace

TEST_CASE("Schedule spans use at most two adjacent units, largest first")
{
    const auto [span, text] = GENERATE(table<std::chrono::microseconds, std::string>({
        {12h, "12 h"}, {24h, "1 d"}, {30h, "1 d 6 h"}, {24h + 5s, "1 d"}, {7 * 24h, "1 w"},
        {90s, "1 min 30 s"}, {0s, "0 s"}, {1500ms, "1 s 500 ms"}, {28 * 24h, "4 w"}}));
    CHECK(spanText(span) == text);
}

TEST_CASE("A schedule's summary names its interval, flex and randomized delay, or that it is only retried")
{
    auto s = nightly();
    CHECK(scheduleSummary(s) == "every 12 h");
    s.flex = 1h;
    s.randomizedDelay = 30min;
    CHECK(scheduleSummary(s) == "every 12 h, flex 1 h, randomized 30 min");
    s.interval = 0s;
    CHECK(scheduleSummary(s) == "retried until it succeeds");
}

TEST_CASE("Explain says where a schedule comes from, when it runs next and after what")
{
    const Utc utc;
    auto s = nightly();
    s.nextRunNotBefore = kNow + 11h;
    CHECK(scheduleExplanation(s, kNow) ==
          "scheduled every 12 h (from the app's manifest)\n"
          "next run: not before 2023-11-15 09:13:20 (in 11 h); it has not run successfully yet\n");

    s.lastSuccess = kNow - 1h;
    s.periodStart = s.lastSuccess;
    CHECK(scheduleExplanation(s, kNow) ==
          "scheduled every 12 h (from the app's manifest)\n"
          "next run: not before 2023-11-15 09:13:20 (in 11 h), 12 h after the last success at "
          "2023-11-14 21:13:20 (1 h ago)\n");

    s.source = "app";
    s.failures = 2;
    s.lastRunEnd = kNow - 10s;
    s.nextRunNotBefore = kNow + 20s;
    CHECK(scheduleExplanation(s, kNow) ==
          "scheduled every 12 h (submitted by the app)\n"
          "next run: not before 2023-11-14 22:13:40 (in 20 s), a retry after the failed run at "
          "2023-11-14 22:13:10 (10 s ago)\n"
          "failures: 2 since the last success, retrying with backoff (30 s, doubling up to 5 h)\n");

    s.failures = 0;
    s.periodStart = kNow - 2min;
    s.running = true;
    CHECK(scheduleExplanation(s, kNow) ==
          "scheduled every 12 h (submitted by the app)\n"
          "next run: this one is running; the next is submitted when it ends, 12 h after it was "
          "cancelled at 2023-11-14 22:11:20 (2 min ago)\n");
}

TEST_CASE("A schedule's JSON has every field, durations in microseconds and times in ISO 8601")
{
    auto s = nightly();
    s.lastSuccess = kNow;
    std::ostringstream out;
    JsonWriter json(out);
    writeSchedule(json, s);
    const auto text = out.str();
    CHECK(text.find(R"("intervalUsec":43200000000)") != std::string::npos);
    CHECK(text.find(R"("lastSuccess":"2023-11-14T22:13:20.000000Z")") != std::string::npos);
    CHECK(text.find(R"("nextRunNotBefore":null)") != std::string::npos);
    CHECK(text.find(R"("source":"manifest")") != std::string::npos);
    CHECK(text.find(R"("running":false)") != std::string::npos);
}
