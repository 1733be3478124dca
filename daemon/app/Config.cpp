// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Config.h"

#include "core/KeyFile.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <system_error>

namespace bgtask::app {
namespace fs = std::filesystem;
namespace {

std::int64_t parseSeconds(const std::string& value)
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
    return static_cast<std::int64_t>(seconds * 1e6);
}

std::int64_t parseCount(const std::string& value)
{
    std::size_t n = 0;
    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || ptr != value.data() + value.size() || n == 0 || n > 100000)
        throw std::invalid_argument("expected a count between 1 and 100000, got '" + value + "'");
    return static_cast<std::int64_t>(n);
}

// 0 switches a rule off.
std::int64_t parseCountOrOff(const std::string& value)
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

std::int64_t parseSwitchValue(const std::string& value) { return parseSwitch(value) ? 1 : 0; }

// "HH:MM", local time; in minutes.
std::int64_t parseTimeOfDay(const std::string& value)
{
    int hours = -1;
    int minutes = -1;
    char colon = 0;
    std::istringstream in(value);
    in >> hours >> colon >> minutes;
    if (!in || !in.eof() || colon != ':' || value.size() != 5 || hours < 0 || hours > 23 ||
        minutes < 0 || minutes > 59)
        throw std::invalid_argument("expected a time of day HH:MM, got '" + value + "'");
    return hours * 60 + minutes;
}

// Which way a setting restricts apps, so that the user's file can tighten it but not lift it.
enum class Strictness {
    Lower,          // a smaller value restricts more (time limits, quotas, concurrency)
    LowerNonZero,   // the same, but 0 means no limit at all (DailyBudget, CatchUpLaunches)
    Higher,         // a larger value restricts more (spacing, penalty)
    Fixed,          // neither: the administrator's value stands
};

struct KeySpec {
    std::int64_t (*parse)(const std::string&);
    std::function<void(Config&, std::int64_t)> apply;
    Strictness strictness;
};

core::Duration usec(std::int64_t v) { return core::Duration(v); }

const std::map<std::string, KeySpec>& keySpecs()
{
    using S = Strictness;
    static const std::map<std::string, KeySpec> specs{
        {"Limits.AppRefreshTimeLimit", {parseSeconds, [](Config& c, auto v) { c.limits.appRefreshTimeLimit = usec(v); }, S::Lower}},
        {"Limits.ProcessingTimeLimit", {parseSeconds, [](Config& c, auto v) { c.limits.processingTimeLimit = usec(v); }, S::Lower}},
        {"Limits.HealthResearchTimeLimit", {parseSeconds, [](Config& c, auto v) { c.limits.healthResearchTimeLimit = usec(v); }, S::Lower}},
        {"Limits.GracePeriod", {parseSeconds, [](Config& c, auto v) { c.limits.gracePeriod = usec(v); }, S::Lower}},
        {"Limits.LaunchWindow", {parseSeconds, [](Config& c, auto v) { c.limits.launchWindow = usec(v); }, S::Lower}},
        {"Limits.KillDelay", {parseSeconds, [](Config& c, auto v) { c.killDelay = usec(v); }, S::Lower}},
        {"Limits.MaxCallsInFlight", {parseCount, [](Config& c, auto v) { c.maxCallsInFlight = static_cast<std::size_t>(std::max<std::int64_t>(v, 1)); }, S::Lower}},
        {"Limits.StallTimeout", {parseSeconds, [](Config& c, auto v) { c.limits.stallTimeout = usec(v); }, S::Lower}},
        {"Quotas.MaxPendingAppRefresh", {parseCount, [](Config& c, auto v) { c.limits.maxPendingAppRefresh = static_cast<std::size_t>(v); }, S::Lower}},
        {"Quotas.MaxPendingProcessing", {parseCount, [](Config& c, auto v) { c.limits.maxPendingProcessing = static_cast<std::size_t>(v); }, S::Lower}},
        {"Fairness.MaxConcurrentTasks", {parseCount, [](Config& c, auto v) { c.fairness.maxConcurrentTasks = static_cast<std::size_t>(v); }, S::Lower}},
        {"Fairness.MaxConcurrentContinued", {parseCount, [](Config& c, auto v) { c.fairness.maxConcurrentContinued = static_cast<std::size_t>(v); }, S::Lower}},
        {"Fairness.RefreshSpacing", {parseSeconds, [](Config& c, auto v) { c.fairness.refreshSpacing = usec(v); }, S::Higher}},
        {"Fairness.DailyBudget", {parseSeconds, [](Config& c, auto v) { c.fairness.dailyBudget = usec(v); }, S::LowerNonZero}},
        {"Fairness.TerminationPenalty", {parseSeconds, [](Config& c, auto v) { c.fairness.terminationPenalty = usec(v); }, S::Higher}},
        {"Fairness.CatchUpLaunches", {parseCountOrOff, [](Config& c, auto v) { c.fairness.catchUp.launches = static_cast<std::size_t>(v); }, S::LowerNonZero}},
        {"Fairness.CatchUpWindow", {parseSeconds, [](Config& c, auto v) { c.fairness.catchUp.window = usec(v); }, S::Higher}},
        {"Fairness.NetworkCoalesceWindow", {parseSeconds, [](Config& c, auto v) { c.fairness.networkCoalesceWindow = usec(v); }, S::Fixed}},
        {"Fairness.LearnUsage", {parseSwitchValue, [](Config& c, auto v) { c.fairness.usage.learn = v != 0; }, S::Lower}},
        {"Fairness.UsageMinOpens", {parseCount, [](Config& c, auto v) { c.fairness.usage.minOpens = v; }, S::Fixed}},
        {"Fairness.UsageLeadTime", {parseSeconds, [](Config& c, auto v) { c.fairness.usage.leadTime = usec(v); }, S::Fixed}},
        {"Fairness.UsageMaxHold", {parseSeconds, [](Config& c, auto v) { c.fairness.usage.maxHold = usec(v); }, S::Fixed}},
        {"Fairness.BudgetResetTime", {parseTimeOfDay, [](Config& c, auto v) { c.budgetResetTime = std::chrono::minutes(v); }, S::Fixed}},
    };
    return specs;
}

bool liftsRestriction(Strictness s, std::int64_t admin, std::int64_t user)
{
    constexpr auto kNone = std::numeric_limits<std::int64_t>::max();
    switch (s) {
    case Strictness::Lower: return user > admin;
    case Strictness::LowerNonZero: return (user == 0 ? kNone : user) > (admin == 0 ? kNone : admin);
    case Strictness::Higher: return user < admin;
    case Strictness::Fixed: return user != admin;
    }
    return false;
}

struct Setting {
    std::int64_t value = 0;
    std::string where;   // "<file>:<line>"
};

// One file's settings. Policy keys: (app id or "" for every app, setting).
struct Layer {
    std::map<std::string, Setting> values;
    std::map<std::pair<std::string, core::PolicySetting>, Setting> policy;
};

constexpr std::string_view kPolicyGroup = "Policy";

// [Policy] is the every-app group ("" here); [Policy APP-ID] one app's; nullopt: not a policy group.
std::optional<std::string> policyApp(const std::string& group)
{
    if (group == kPolicyGroup)
        return std::string();
    if (group.size() > kPolicyGroup.size() + 1 && group.starts_with(kPolicyGroup) &&
        group[kPolicyGroup.size()] == ' ')
        return group.substr(kPolicyGroup.size() + 1);
    return std::nullopt;
}

std::int64_t parseEntry(const core::KeyFileEntry& entry, std::int64_t (*parse)(const std::string&),
                        const std::string& where)
{
    try {
        return parse(entry.value);
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(where + ": " + entry.key + ": " + e.what());
    }
}

Layer parseLayer(std::string_view text, const std::string& fileName)
{
    Layer layer;
    const auto parsed = core::parseKeyFile(text);
    const auto where = [&](int line) { return fileName + ":" + std::to_string(line); };
    if (!parsed.errors.empty())
        throw std::runtime_error(where(parsed.errors.front().line) + ": " + parsed.errors.front().message);
    // Every group is read here, so a repeat anywhere is an error.
    if (!parsed.duplicates.empty()) {
        const auto& repeat = parsed.duplicates.front();
        throw std::runtime_error(where(repeat.line) + ": key " + repeat.key + " is set twice in [" +
                                 repeat.group + "] (first on line " + std::to_string(repeat.firstLine) + ")");
    }
    for (const auto& entry : parsed.entries) {
        const auto at = where(entry.line);
        if (const auto app = policyApp(entry.group)) {
            const auto setting = entry.key == "Refresh"     ? std::optional(core::PolicySetting::Refresh)
                                 : entry.key == "Continued" ? std::optional(core::PolicySetting::Continued)
                                                            : std::nullopt;
            if (!setting)
                throw std::runtime_error(at + ": unknown setting " + entry.key + " in [" + entry.group +
                                         "] (Refresh or Continued)");
            layer.policy[{*app, *setting}] = {parseEntry(entry, parseSwitchValue, at), at};
            continue;
        }
        const auto it = keySpecs().find(entry.group + "." + entry.key);
        if (it == keySpecs().end())
            throw std::runtime_error(at + ": unknown setting " + entry.key + " in [" + entry.group + "]");
        layer.values[it->first] = {parseEntry(entry, it->second.parse, at), at};
    }
    return layer;
}

Layer readLayer(const fs::path& file)
{
    std::ifstream in(file);
    if (!in)
        return {};
    std::stringstream text;
    text << in.rdbuf();
    return parseLayer(text.str(), file.string());
}

// The administrator's switch that decides (app, setting): the app's own, else the every-app one.
const Setting* adminSwitch(const Layer& admin, const std::string& app, core::PolicySetting setting)
{
    if (auto it = admin.policy.find({app, setting}); it != admin.policy.end())
        return &it->second;
    if (auto it = admin.policy.find({std::string(), setting}); it != admin.policy.end())
        return &it->second;
    return nullptr;
}

std::string keyName(const std::string& groupDotKey) { return groupDotKey.substr(groupDotKey.find('.') + 1); }

// The user's layer over the administrator's: a setting that would lift an administrator's
// restriction is left out and reported.
void mergeUser(Layer& merged, const Layer& user, std::vector<std::string>& ignored)
{
    const Layer admin = merged;
    for (const auto& [key, setting] : user.values) {
        const auto it = admin.values.find(key);
        if (it != admin.values.end() && liftsRestriction(keySpecs().at(key).strictness, it->second.value, setting.value)) {
            ignored.push_back(setting.where + ": " + keyName(key) + " would lift the administrator's setting (" +
                              it->second.where + "), ignoring");
            continue;
        }
        merged.values[key] = setting;
    }
    for (const auto& [key, setting] : user.policy) {
        const auto* decider = adminSwitch(admin, key.first, key.second);
        if (setting.value != 0 && decider && decider->value == 0) {
            ignored.push_back(setting.where + ": " + std::string(core::toString(key.second)) +
                              " is switched off by the administrator (" + decider->where + "), ignoring");
            continue;
        }
        merged.policy[key] = setting;
    }
}

Config apply(const Layer& layer)
{
    Config config;
    for (const auto& [key, setting] : layer.values)
        keySpecs().at(key).apply(config, setting.value);
    for (const auto& [key, setting] : layer.policy) {
        auto& switches = key.first.empty() ? config.adminGlobal : config.adminApps[key.first];
        switches[key.second] = setting.value != 0;
    }
    return config;
}

} // namespace

std::vector<fs::path> adminConfigFiles(const fs::path& dir)
{
    std::vector<fs::path> files;
    std::error_code ec;
    if (fs::is_regular_file(dir / "bgtaskd.conf", ec))
        files.push_back(dir / "bgtaskd.conf");
    std::vector<fs::path> dropIns;
    for (fs::directory_iterator it(dir / "bgtaskd.conf.d", ec), end; !ec && it != end; it.increment(ec))
        if (it->path().extension() == ".conf" && it->is_regular_file(ec))
            dropIns.push_back(it->path());
    std::sort(dropIns.begin(), dropIns.end());
    files.insert(files.end(), dropIns.begin(), dropIns.end());
    return files;
}

LoadedConfig loadConfig(const ConfigFiles& files)
{
    Layer merged;
    for (const auto& file : files.admin) {
        const auto layer = readLayer(file);
        for (const auto& [key, setting] : layer.values)
            merged.values[key] = setting;
        for (const auto& [key, setting] : layer.policy)
            merged.policy[key] = setting;
    }
    LoadedConfig out;
    if (!files.user.empty())
        mergeUser(merged, readLayer(files.user), out.ignored);
    out.config = apply(merged);
    return out;
}

Config parseConfig(std::string_view text, const std::string& fileName)
{
    return apply(parseLayer(text, fileName));
}

} // namespace bgtask::app
