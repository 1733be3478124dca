// SPDX-License-Identifier: LGPL-2.1-or-later
#include "PolicyText.h"

#include "TimeText.h"

#include <CLI/Error.hpp>

#include <chrono>
#include <ctime>

namespace bgtaskctl {
namespace {

constexpr std::string_view kRestricted = "restricted by the administrator";

bool byAdministrator(const bgtask::SettingPolicy& s)
{
    return s.source == "administrator";
}

// "04:00" in local time.
std::string clockTime(bgtask::TimePoint time)
{
    const std::time_t seconds = std::chrono::system_clock::to_time_t(
        std::chrono::time_point_cast<std::chrono::system_clock::duration>(time));
    std::tm local{};
    localtime_r(&seconds, &local);
    char text[8];
    std::strftime(text, sizeof text, "%H:%M", &local);
    return text;
}

} // namespace

std::string describeSetting(const bgtask::SettingPolicy& s)
{
    if (s.status.empty())
        return "-";
    if (s.status == "restricted")
        return std::string(kRestricted);
    if (s.status == "denied")
        return s.user ? "denied (off for every app)" : "denied (off for this app)";
    if (s.status == "available")
        return byAdministrator(s) ? "available (set by the administrator)" : "available";
    // A status this bgtaskctl does not know: say who decided it.
    if (!s.source.empty() && s.source != "default")
        return s.status + " (" + s.source + ")";
    return s.status;
}

std::string describeEveryApp(const bgtask::SettingPolicy& s)
{
    if (s.status.empty())
        return "-";
    if (s.status == "restricted")
        return std::string(kRestricted);
    if (byAdministrator(s))
        return "on (set by the administrator)";
    return s.user ? "on" : "off";
}

std::string describePolicy(const bgtask::AppPolicy& policy)
{
    return "refresh: " + describeSetting(policy.refresh) +
           ", continued: " + describeSetting(policy.continued);
}

void writeSetting(JsonWriter& json, const bgtask::SettingPolicy& s)
{
    json.beginObject();
    json.key("status").value(s.status).key("source").value(s.source).key("user").value(s.user);
    json.endObject();
}

void writePolicy(JsonWriter& json, const bgtask::AppPolicy& policy)
{
    writeSetting(json.key("refresh"), policy.refresh);
    writeSetting(json.key("continued"), policy.continued);
}

std::string budgetAmount(std::chrono::microseconds length)
{
    using namespace std::chrono;
    if (length <= microseconds::zero())
        return "0m";
    if (length < minutes(1))
        return std::to_string(duration_cast<seconds>(length).count()) + "s";
    return std::to_string(duration_cast<minutes>(length).count()) + "m";
}

std::string describeBudget(const bgtask::AppRecord& app, bgtask::TimePoint now)
{
    std::string text = budgetAmount(app.budgetUsed);
    if (app.budgetLimit) {
        text += "/" + budgetAmount(*app.budgetLimit);
        if (app.budgetResetsAt) {
            const auto left = *app.budgetResetsAt - now;
            const bool withinADay = left >= decltype(left)::zero() && left <= std::chrono::hours(24);
            text += ", resets " + (withinADay ? clockTime(*app.budgetResetsAt)
                                              : relativeTime(*app.budgetResetsAt, now));
        }
    } else {
        text += ", no limit";
    }
    if (app.terminations > 0)
        text += ", " + std::to_string(app.terminations) + " terminated";
    return text;
}

std::optional<bgtask::PolicySetting> parseSetting(std::string_view text)
{
    for (auto setting : {bgtask::PolicySetting::Refresh, bgtask::PolicySetting::Continued})
        if (text == bgtask::toString(setting))
            return setting;
    return std::nullopt;
}

std::optional<bool> parseSwitch(std::string_view text)
{
    if (text == "on")
        return true;
    if (text == "off")
        return false;
    return std::nullopt;
}

PolicyRequest parsePolicyArguments(const std::vector<std::string>& words, bool all)
{
    using Action = PolicyRequest::Action;
    PolicyRequest r;
    if (words.empty()) {
        r.action = all ? Action::Show : Action::ShowAll;
        return r;
    }
    if (words.size() == 1 && !all) {
        r.action = Action::Show;
        r.app = words[0];
        return r;
    }
    const std::size_t at = all ? 0 : 1;   // where SETTING is
    if (words.size() != at + 2)
        throw CLI::ValidationError("policy", "expected [APP], or APP|--all refresh|continued on|off");
    const auto setting = parseSetting(words[at]);
    if (!setting)
        throw CLI::ValidationError("policy", "unknown setting '" + words[at] +
                                                 "': expected refresh or continued");
    const auto enabled = parseSwitch(words[at + 1]);
    if (!enabled)
        throw CLI::ValidationError("policy", "expected on or off after " + words[at] + ", not '" +
                                                 words[at + 1] + "'");
    r.action = Action::Set;
    r.app = all ? std::string() : words[0];
    r.setting = *setting;
    r.enabled = *enabled;
    return r;
}

} // namespace bgtaskctl
