// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ScheduleGroup.h"

#include "Error.h"
#include "Schedule.h"
#include "TimeSpan.h"
#include "Validation.h"

#include <algorithm>
#include <functional>
#include <map>
#include <string>

namespace bgtask::core {

namespace {

using Setter = std::function<void(ManifestSchedule&, const std::string&)>;

// The sentence of a core::Error, without its sub-reason: the problem's line says where.
std::string textOf(const Error& e)
{
    const std::string what = e.what();
    return what.substr(std::min(what.size(), e.subReason().size() + 2));
}

[[noreturn]] void bad(const std::string& text)
{
    throw Error(ErrorCode::InvalidArgument, "bad-value", text);
}

bool parseBoolean(const std::string& key, const std::string& value)
{
    static const std::map<std::string, bool, std::less<>> kWords{
        {"true", true}, {"yes", true}, {"on", true}, {"1", true},
        {"false", false}, {"no", false}, {"off", false}, {"0", false}};
    const auto it = kWords.find(value);
    if (it == kWords.end())
        bad(key + " '" + value + "' is not a boolean (true or false)");
    return it->second;
}

Duration parseSpan(const std::string& key, const std::string& value)
{
    if (const auto span = parseTimeSpan(value))
        return *span;
    bad(key + " '" + value + "' is not a time span (for example 12h, 1d 6h, 30min or 90s)");
}

TaskKind parseScheduleKind(const std::string& value)
{
    const auto kind = parseTaskKind(value);
    if (!kind || !isScheduledKind(*kind))
        bad("Kind '" + value + "' is not a kind a schedule can have (app-refresh, processing, health-research)");
    return *kind;
}

template <auto member>
Setter flag(const char* key)
{
    return [key](ManifestSchedule& s, const std::string& v) { s.options.*member = parseBoolean(key, v); };
}

template <auto member>
Setter span(const char* key)
{
    return [key](ManifestSchedule& s, const std::string& v) { s.options.*member = parseSpan(key, v); };
}

const std::map<std::string, Setter, std::less<>>& setters()
{
    static const std::map<std::string, Setter, std::less<>> kSetters{
        {"Kind", [](ManifestSchedule& s, const std::string& v) { s.kind = parseScheduleKind(v); }},
        {"Interval", span<&RequestOptions::repeatInterval>("Interval")},
        {"RandomizedDelay", span<&RequestOptions::randomizedDelay>("RandomizedDelay")},
        {"Flex", span<&RequestOptions::flex>("Flex")},
        {"BackoffDelay", span<&RequestOptions::backoffDelay>("BackoffDelay")},
        {"MaxBackoffDelay", span<&RequestOptions::maxBackoffDelay>("MaxBackoffDelay")},
        {"RequiresExternalPower", flag<&RequestOptions::requiresExternalPower>("RequiresExternalPower")},
        {"RequiresNetworkConnectivity", flag<&RequestOptions::requiresNetworkConnectivity>("RequiresNetworkConnectivity")},
        {"RequiresBatteryNotLow", flag<&RequestOptions::requiresBatteryNotLow>("RequiresBatteryNotLow")},
        {"NetworkType", [](ManifestSchedule& s, const std::string& v) { s.options.networkType = parseNetworkType(v); }},
        {"ProtectionTypeOfRequiredData",
         [](ManifestSchedule& s, const std::string& v) { s.options.protectionTypeOfRequiredData = parseProtection(v); }},
    };
    return kSetters;
}

} // namespace

std::vector<std::string_view> scheduleKeys()
{
    std::vector<std::string_view> keys;
    for (const auto& entry : setters())
        keys.emplace_back(entry.first);
    return keys;
}

bool isScheduleGroup(std::string_view groupName)
{
    return groupName.starts_with(kScheduleGroupPrefix);
}

ScheduleGroupResult parseScheduleGroup(const KeyFileGroup& group, const KeyFile& file)
{
    ScheduleGroupResult out;
    ManifestSchedule schedule;
    schedule.identifier = group.name.substr(kScheduleGroupPrefix.size());
    if (!isValidIdentifier(schedule.identifier))
        out.errors.push_back({group.line, "[" + group.name + "]: '" + schedule.identifier +
                                              "' is not a valid identifier (reverse-DNS, at least two elements)"});
    for (const auto& repeat : file.duplicates)
        if (repeat.group == group.name)
            out.errors.push_back({repeat.line, "key " + repeat.key + " is set twice (first on line " +
                                                   std::to_string(repeat.firstLine) + ")"});
    bool sawKind = false;
    bool sawInterval = false;
    for (const auto& entry : file.entries) {
        if (entry.group != group.name)
            continue;
        const auto setter = setters().find(entry.key);
        if (setter == setters().end()) {
            out.warnings.push_back({entry.line, "key " + entry.key + " is not known in a [Schedule] group and is ignored"});
            continue;
        }
        sawKind = sawKind || entry.key == "Kind";
        sawInterval = sawInterval || entry.key == "Interval";
        try {
            setter->second(schedule, entry.value);
        } catch (const Error& e) {
            out.errors.push_back({entry.line, textOf(e)});
        }
    }
    for (const auto& [key, seen] : {std::pair{"Kind", sawKind}, std::pair{"Interval", sawInterval}})
        if (!seen)
            out.errors.push_back({group.line, "[" + group.name + "]: required key " + key + " is missing"});
    if (out.errors.empty()) {
        try {
            checkScheduleOptions(schedule.options);
        } catch (const Error& e) {
            out.errors.push_back({group.line, "[" + group.name + "]: " + textOf(e)});
        }
    }
    if (out.errors.empty())
        out.schedule = std::move(schedule);
    return out;
}

std::optional<std::string> scheduleProblem(const Manifest& manifest, const ManifestSchedule& schedule)
{
    TaskRequest request;
    request.app = manifest.id;
    request.identifier = schedule.identifier;
    request.kind = schedule.kind;
    request.options = schedule.options;
    try {
        validateRequest(manifest, request);
    } catch (const Error& e) {
        return textOf(e);
    }
    return std::nullopt;
}

} // namespace bgtask::core
