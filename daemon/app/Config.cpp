// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Config.h"

#include "core/KeyFile.h"

#include <charconv>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <stdexcept>

namespace bgtask::app {
namespace {

core::Duration parseSeconds(const std::string& value)
{
    std::size_t used = 0;
    double seconds = 0;
    try {
        seconds = std::stod(value, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    // Written so that NaN fails too: converting it to an integer is undefined (found by fuzz_config).
    if (used != value.size() || !(seconds >= 0 && seconds <= 86400.0 * 365))
        throw std::invalid_argument("expected a number of seconds, got '" + value + "'");
    return core::Duration(static_cast<std::int64_t>(seconds * 1e6));
}

std::size_t parseCount(const std::string& value)
{
    std::size_t n = 0;
    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || ptr != value.data() + value.size() || n == 0 || n > 100000)
        throw std::invalid_argument("expected a count between 1 and 100000, got '" + value + "'");
    return n;
}

// 0 switches a rule off.
std::size_t parseCountOrOff(const std::string& value)
{
    return value == "0" ? 0 : parseCount(value);
}

bool parseSwitch(const std::string& value)
{
    if (value == "on" || value == "true" || value == "yes")
        return true;
    if (value == "off" || value == "false" || value == "no")
        return false;
    throw std::invalid_argument("expected on or off, got '" + value + "'");
}

// "HH:MM", local time.
std::chrono::minutes parseTimeOfDay(const std::string& value)
{
    int hours = -1;
    int minutes = -1;
    char colon = 0;
    std::istringstream in(value);
    in >> hours >> colon >> minutes;
    if (!in || !in.eof() || colon != ':' || value.size() != 5 || hours < 0 || hours > 23 ||
        minutes < 0 || minutes > 59)
        throw std::invalid_argument("expected a time of day HH:MM, got '" + value + "'");
    return std::chrono::minutes(hours * 60 + minutes);
}

constexpr std::string_view kPolicyGroup = "Policy";

// [Policy] is the every-app group; [Policy APP-ID] one app's.
core::Switches* policyGroup(Config& config, const std::string& group)
{
    if (group == kPolicyGroup)
        return &config.adminGlobal;
    if (group.size() > kPolicyGroup.size() + 1 && group.starts_with(kPolicyGroup) &&
        group[kPolicyGroup.size()] == ' ')
        return &config.adminApps[group.substr(kPolicyGroup.size() + 1)];
    return nullptr;
}

} // namespace

Config loadConfig(const std::filesystem::path& file)
{
    std::ifstream in(file);
    if (!in)
        return Config{};
    std::stringstream text;
    text << in.rdbuf();
    return parseConfig(text.str(), file.string());
}

Config parseConfig(std::string_view text, const std::string& fileName)
{
    Config config;
    const auto parsed = core::parseKeyFile(text);
    const auto where = [&](int line) { return fileName + ":" + std::to_string(line) + ": "; };
    if (!parsed.errors.empty())
        throw std::runtime_error(where(parsed.errors.front().line) + parsed.errors.front().message);
    // Every group is read here, so a repeat anywhere is an error.
    if (!parsed.duplicates.empty()) {
        const auto& repeat = parsed.duplicates.front();
        throw std::runtime_error(where(repeat.line) + "key " + repeat.key + " is set twice in [" +
                                 repeat.group + "] (first on line " + std::to_string(repeat.firstLine) + ")");
    }

    auto& l = config.limits;
    auto& f = config.fairness;
    using Setter = std::function<void(const std::string&)>;
    const std::map<std::string, Setter> keys{
        {"Limits.AppRefreshTimeLimit", [&](const auto& v) { l.appRefreshTimeLimit = parseSeconds(v); }},
        {"Limits.ProcessingTimeLimit", [&](const auto& v) { l.processingTimeLimit = parseSeconds(v); }},
        {"Limits.HealthResearchTimeLimit", [&](const auto& v) { l.healthResearchTimeLimit = parseSeconds(v); }},
        {"Limits.GracePeriod", [&](const auto& v) { l.gracePeriod = parseSeconds(v); }},
        {"Limits.LaunchWindow", [&](const auto& v) { l.launchWindow = parseSeconds(v); }},
        {"Limits.KillDelay", [&](const auto& v) { config.killDelay = parseSeconds(v); }},
        {"Quotas.MaxPendingAppRefresh", [&](const auto& v) { l.maxPendingAppRefresh = parseCount(v); }},
        {"Quotas.MaxPendingProcessing", [&](const auto& v) { l.maxPendingProcessing = parseCount(v); }},
        {"Limits.StallTimeout", [&](const auto& v) { l.stallTimeout = parseSeconds(v); }},
        {"Fairness.MaxConcurrentTasks", [&](const auto& v) { f.maxConcurrentTasks = parseCount(v); }},
        {"Fairness.MaxConcurrentContinued", [&](const auto& v) { f.maxConcurrentContinued = parseCount(v); }},
        {"Fairness.RefreshSpacing", [&](const auto& v) { f.refreshSpacing = parseSeconds(v); }},
        {"Fairness.DailyBudget", [&](const auto& v) { f.dailyBudget = parseSeconds(v); }},
        {"Fairness.TerminationPenalty", [&](const auto& v) { f.terminationPenalty = parseSeconds(v); }},
        {"Fairness.CatchUpLaunches", [&](const auto& v) { f.catchUp.launches = parseCountOrOff(v); }},
        {"Fairness.CatchUpWindow", [&](const auto& v) { f.catchUp.window = parseSeconds(v); }},
        {"Fairness.NetworkCoalesceWindow", [&](const auto& v) { f.networkCoalesceWindow = parseSeconds(v); }},
        {"Fairness.LearnUsage", [&](const auto& v) { f.usage.learn = parseSwitch(v); }},
        {"Fairness.UsageMinOpens", [&](const auto& v) { f.usage.minOpens = static_cast<std::int64_t>(parseCount(v)); }},
        {"Fairness.UsageLeadTime", [&](const auto& v) { f.usage.leadTime = parseSeconds(v); }},
        {"Fairness.UsageMaxHold", [&](const auto& v) { f.usage.maxHold = parseSeconds(v); }},
        {"Fairness.BudgetResetTime", [&](const auto& v) { config.budgetResetTime = parseTimeOfDay(v); }},
    };
    for (const auto& entry : parsed.entries) {
        if (auto* switches = policyGroup(config, entry.group)) {
            const auto setting = entry.key == "Refresh"     ? std::optional(core::PolicySetting::Refresh)
                                 : entry.key == "Continued" ? std::optional(core::PolicySetting::Continued)
                                                            : std::nullopt;
            if (!setting)
                throw std::runtime_error(where(entry.line) + "unknown setting " + entry.key + " in [" +
                                         entry.group + "] (Refresh or Continued)");
            try {
                (*switches)[*setting] = parseSwitch(entry.value);
            } catch (const std::invalid_argument& e) {
                throw std::runtime_error(where(entry.line) + entry.key + ": " + e.what());
            }
            continue;
        }
        auto it = keys.find(entry.group + "." + entry.key);
        if (it == keys.end())
            throw std::runtime_error(where(entry.line) + "unknown setting " + entry.key + " in [" +
                                     entry.group + "]");
        try {
            it->second(entry.value);
        } catch (const std::invalid_argument& e) {
            throw std::runtime_error(where(entry.line) + entry.key + ": " + e.what());
        }
    }
    return config;
}

} // namespace bgtask::app
