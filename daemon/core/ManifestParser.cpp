// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ManifestParser.h"

#include "KeyFile.h"
#include "ScheduleGroup.h"
#include "UnitOutcome.h"

#include <algorithm>
#include <map>
#include <string>
#include <unordered_set>

namespace bgtask::core {

namespace {

constexpr std::string_view kApplicationGroup = "Application";
constexpr std::string_view kFileSuffix = ".conf";
constexpr std::string_view kWildcardSuffix = ".*";
constexpr std::string_view kKnownKeys[] = {"Id",    "BusName",      "PermittedIdentifiers",
                                           "Kinds", "Entitlements", "Exec",
                                           "Unit",  "User"};

// KeyFile reads the lines; this class decides what the groups and [Application] keys mean, in
// a step after reading so that the order of keys in the file does not matter
// (PermittedIdentifiers needs Id and Kinds). Errors and warnings are kept apart: a rejected file
// reports only what rejected it.
class Parser {
public:
    Parser(std::string_view fileName, ManifestRules rules) : fileName_(fileName), rules_(rules) {}

    ManifestParseResult run(std::string_view text);

private:
    void readGroups(const std::vector<KeyFileGroup>& groups);
    void readEntries(const KeyFile& file);

    const KeyFileEntry* required(std::string_view key);
    void readId();
    void readBusName();
    void readKinds();
    void readEntitlements();
    void readIdentifiers();
    void readIdentifier(const std::string& item, int line);
    void readExec();
    void readUser();
    void readUnit();
    // [Schedule <identifier>] groups (ScheduleGroup.h): read before Kinds and
    // PermittedIdentifiers, which a manifest with schedules may leave out; checked against the
    // finished manifest at the end.
    void readSchedules(const KeyFile& file);
    void checkSchedules();

    void error(int line, std::string message) { errors_.push_back({line, std::move(message)}); }
    void warning(int line, std::string message) { warnings_.push_back({line, std::move(message)}); }

    std::string_view fileName_;
    ManifestRules rules_;
    std::map<std::string, KeyFileEntry, std::less<>> entries_;   // [Application] keys
    Manifest manifest_;
    bool idValid_ = false;
    std::vector<ManifestProblem> errors_;
    std::vector<ManifestProblem> warnings_;
    std::vector<int> scheduleLines_;   // the group line of each manifest_.schedules entry
    // What manifest_.identifiers and wildcardPrefixes already hold: a repeat is found in
    // constant time, so a manifest is read in time linear in its identifiers (issue 11).
    std::unordered_set<std::string> listedExact_;
    std::unordered_set<std::string> listedWildcards_;
};

ManifestParseResult Parser::run(std::string_view text)
{
    const KeyFile file = parseKeyFile(text);
    for (const auto& problem : file.errors)
        error(problem.line, problem.message);
    readGroups(file.groups);
    readEntries(file);
    readSchedules(file);
    readId();
    readBusName();
    readKinds();
    readEntitlements();
    readIdentifiers();
    readExec();
    readUser();
    readUnit();
    checkSchedules();

    ManifestParseResult result;
    if (errors_.empty()) {
        result.manifest = std::move(manifest_);
        result.problems = std::move(warnings_);
    } else {
        result.problems = std::move(errors_);
    }
    std::ranges::stable_sort(result.problems, {}, &ManifestProblem::line);
    return result;
}

void Parser::readGroups(const std::vector<KeyFileGroup>& groups)
{
    bool sawApplication = false;
    for (const auto& group : groups) {
        if (isScheduleGroup(group.name))
            continue;   // readSchedules()
        if (group.name != kApplicationGroup) {
            // Other groups may belong to a newer bgtaskd or to another tool; ignoring them
            // keeps the manifest usable.
            warning(group.line, "group [" + group.name + "] is not known and is ignored");
            continue;
        }
        if (sawApplication)
            error(group.line, "group [Application] appears more than once");
        sawApplication = true;
    }
    if (!sawApplication)
        error(0, "the file has no [Application] group");
}

// Only [Application] is read, so only its repeated keys are errors; a repeat is an error even
// for an unknown key, since the packager cannot have meant both values.
void Parser::readEntries(const KeyFile& file)
{
    for (const auto& repeat : file.duplicates) {
        if (repeat.group == kApplicationGroup)
            error(repeat.line, "key " + repeat.key + " is set twice (first on line " +
                                   std::to_string(repeat.firstLine) + ")");
    }
    for (const auto& entry : file.entries) {
        if (entry.group != kApplicationGroup)
            continue;
        // Unknown keys are a warning, not an error, so a manifest written for a newer bgtaskd
        // still loads here.
        if (std::ranges::find(kKnownKeys, entry.key) == std::end(kKnownKeys))
            warning(entry.line, "key " + entry.key + " is not known and is ignored");
        entries_.emplace(entry.key, entry);
    }
}

const KeyFileEntry* Parser::required(std::string_view key)
{
    const auto it = entries_.find(key);
    if (it == entries_.end()) {
        error(0, "required key " + std::string(key) + " is missing");
        return nullptr;
    }
    return &it->second;
}

// The file is named after the app so that a package cannot speak for another app by
// installing a manifest under a name it does not own.
void Parser::readId()
{
    const KeyFileEntry* id = required("Id");
    if (!fileName_.ends_with(kFileSuffix)) {
        error(0, "file name '" + std::string(fileName_) + "' does not end in .conf");
        return;
    }
    if (id == nullptr)
        return;
    if (!isValidAppId(id->value)) {
        error(id->line, "Id '" + id->value +
                            "' is not a valid app id (reverse-DNS, elements not starting with a digit)");
        return;
    }
    const auto stem = fileName_.substr(0, fileName_.size() - kFileSuffix.size());
    if (id->value != stem) {
        error(id->line, "Id '" + id->value + "' does not match the file name '" +
                            std::string(fileName_) + "'");
        return;
    }
    manifest_.id = id->value;
    idValid_ = true;
}

// BusName defaults to Id; it must be a well-known name the app can own on the bus.
void Parser::readBusName()
{
    const auto it = entries_.find("BusName");
    if (it == entries_.end()) {
        manifest_.busName = manifest_.id;
        return;
    }
    if (!isValidAppId(it->second.value)) {
        error(it->second.line, "BusName '" + it->second.value + "' is not a valid well-known bus name");
        return;
    }
    manifest_.busName = it->second.value;
}

void Parser::readKinds()
{
    if (!manifest_.schedules.empty() && !entries_.contains("Kinds"))
        return;   // the schedules' kinds (checkSchedules)
    const KeyFileEntry* entry = required("Kinds");
    if (entry == nullptr)
        return;
    const auto items = splitList(entry->value);
    if (items.empty())
        error(entry->line, "Kinds lists no kinds");
    for (const auto& item : items) {
        if (const auto kind = parseTaskKind(item))
            manifest_.kinds.insert(*kind);
        else
            error(entry->line, "Kinds lists unknown kind '" + item +
                                   "' (app-refresh, processing, health-research, continued-processing)");
    }
}

// Entitlements are optional; health-research in Kinds without its entitlement is accepted
// here and refused at submit, where the app developer sees the reason.
void Parser::readEntitlements()
{
    const auto it = entries_.find("Entitlements");
    if (it == entries_.end())
        return;
    for (const auto& item : splitList(it->second.value)) {
        if (const auto entitlement = parseEntitlement(item))
            manifest_.entitlements.insert(*entitlement);
        else
            error(it->second.line, "Entitlements lists unknown entitlement '" + item +
                                       "' (gpu, health-research)");
    }
}

void Parser::readIdentifiers()
{
    if (!manifest_.schedules.empty() && !entries_.contains("PermittedIdentifiers"))
        return;   // the schedules' identifiers (checkSchedules)
    const KeyFileEntry* entry = required("PermittedIdentifiers");
    if (entry == nullptr)
        return;
    const auto items = splitList(entry->value);
    if (items.empty())
        error(entry->line, "PermittedIdentifiers lists no identifiers");
    for (const auto& item : items)
        readIdentifier(item, entry->line);
}

// Apple: a wildcard entry is "<bundle-id>[.<context>].*", only for continued processing, whose
// identifiers are minted per job. Requiring the app id as prefix keeps one app's wildcard from
// covering another app's names.
void Parser::readIdentifier(const std::string& item, int line)
{
    auto& exact = manifest_.identifiers;
    auto& wildcards = manifest_.wildcardPrefixes;
    if (!item.ends_with(kWildcardSuffix)) {
        if (!isValidIdentifier(item))
            error(line, "'" + item + "' is neither a valid identifier nor a 'prefix.*' wildcard");
        else if (!listedExact_.insert(item).second)
            warning(line, "PermittedIdentifiers lists '" + item + "' more than once");
        else
            exact.push_back(item);
        return;
    }
    const std::string prefix = item.substr(0, item.size() - kWildcardSuffix.size());
    if (!isValidIdentifier(prefix)) {
        error(line, "'" + item + "' is neither a valid identifier nor a 'prefix.*' wildcard");
        return;
    }
    if (idValid_ && prefix != manifest_.id && !prefix.starts_with(manifest_.id + "."))
        error(line, "wildcard '" + item + "' must start with the app id " + manifest_.id);
    else if (!manifest_.kinds.contains(TaskKind::ContinuedProcessing))
        error(line, "wildcard '" + item + "' needs continued-processing in Kinds");
    else if (!listedWildcards_.insert(prefix + ".").second)
        warning(line, "PermittedIdentifiers lists '" + item + "' more than once");
    else
        wildcards.push_back(prefix + ".");
}

// Exec is the fallback when the app ships no D-Bus service file; an absolute path keeps the
// daemon from depending on its own PATH.
void Parser::readExec()
{
    const auto it = entries_.find("Exec");
    if (it == entries_.end())
        return;
    if (it->second.value.empty())
        error(it->second.line, "Exec is empty");
    else if (it->second.value.front() != '/')
        error(it->second.line, "Exec '" + it->second.value + "' must start with an absolute path");
    else
        manifest_.exec = it->second.value;
}

// A POSIX portable user name (letters, digits, '.', '_', '-', not starting with '-', at most
// 32 bytes, an optional trailing '$'), or a numeric uid.
bool isValidUserName(std::string_view name)
{
    if (name.empty() || name.size() > 32 || name.front() == '-')
        return false;
    if (name.back() == '$')
        name.remove_suffix(1);
    return !name.empty() && std::ranges::all_of(name, [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
               c == '_' || c == '-';
    });
}

void Parser::readUser()
{
    const auto exec = entries_.find("Exec");
    const auto it = entries_.find("User");
    if (it == entries_.end()) {
        if (rules_.execNeedsUser && exec != entries_.end())
            error(exec->second.line, "Exec needs User= on the system bus: bgtaskd does not run an app's "
                                     "command as root unless the manifest says User=root");
        return;
    }
    if (exec == entries_.end())
        error(it->second.line, "User applies only to Exec, and this manifest has no Exec");
    else if (!isValidUserName(it->second.value))
        error(it->second.line, "User '" + it->second.value + "' is not a valid user name");
    else
        manifest_.user = it->second.value;
}

void Parser::readSchedules(const KeyFile& file)
{
    std::map<std::string, int, std::less<>> seen;   // group name → first line
    for (const auto& group : file.groups) {
        if (!isScheduleGroup(group.name))
            continue;
        if (const auto first = seen.emplace(group.name, group.line); !first.second) {
            error(group.line, "group [" + group.name + "] appears more than once (first on line " +
                                  std::to_string(first.first->second) + ")");
            continue;
        }
        auto result = parseScheduleGroup(group, file);
        for (auto& problem : result.errors)
            error(problem.line, std::move(problem.message));
        for (auto& problem : result.warnings)
            warning(problem.line, std::move(problem.message));
        if (result.schedule) {
            manifest_.schedules.push_back(std::move(*result.schedule));
            scheduleLines_.push_back(group.line);
        }
    }
}

// A schedule permits its own identifier and kind, so that the app can register a handler for
// it; what the app could not submit itself (a kind's entitlement, an option the kind does not
// take) the schedule cannot declare either.
void Parser::checkSchedules()
{
    for (const auto& schedule : manifest_.schedules) {
        if (listedExact_.insert(schedule.identifier).second)
            manifest_.identifiers.push_back(schedule.identifier);
        manifest_.kinds.insert(schedule.kind);
    }
    for (std::size_t i = 0; i < manifest_.schedules.size(); ++i) {
        const auto& schedule = manifest_.schedules[i];
        if (auto problem = scheduleProblem(manifest_, schedule))
            error(scheduleLines_[i], "[Schedule " + schedule.identifier + "]: " + *problem);
    }
}

} // namespace

ManifestParseResult parseManifest(std::string_view text, std::string_view fileName, ManifestRules rules)
{
    return Parser(fileName, rules).run(text);
}

std::vector<std::string_view> applicationKeys()
{
    return {std::begin(kKnownKeys), std::end(kKnownKeys)};
}

} // namespace bgtask::core

namespace bgtask::core {
namespace {

// A manifest names one way to run its tasks: a unit excludes Exec, and continued processing
// (which runs in the process that asked for it) cannot run in a unit.
void Parser::readUnit()
{
    const auto it = entries_.find("Unit");
    if (it == entries_.end())
        return;
    const auto& value = it->second.value;
    const int line = it->second.line;
    if (!isValidUnitName(value)) {
        error(line, "Unit '" + value + "' is not the name of a systemd unit that can be started "
                    "(like apt-daily.service)");
        return;
    }
    if (entries_.contains("Exec"))
        error(line, "Unit and Exec are exclusive: a manifest names one way to run its tasks");
    if (manifest_.kinds.contains(TaskKind::ContinuedProcessing))
        error(line, "Unit cannot run continued-processing tasks: they run in the app that asks for them");
    manifest_.unit = value;
}

} // namespace
} // namespace bgtask::core
