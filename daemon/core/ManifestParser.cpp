// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ManifestParser.h"

#include <algorithm>
#include <map>
#include <string>

namespace bgtask::core {

namespace {

constexpr std::size_t kMaxNameLength = 255;   // D-Bus's limit for bus names
constexpr std::string_view kWhitespace = " \t\r\f\v";
constexpr std::string_view kApplicationGroup = "Application";
constexpr std::string_view kFileSuffix = ".conf";
constexpr std::string_view kWildcardSuffix = ".*";
constexpr std::string_view kKnownKeys[] = {"Id",    "BusName",      "PermittedIdentifiers",
                                           "Kinds", "Entitlements", "Exec"};

std::string_view trim(std::string_view s)
{
    const auto first = s.find_first_not_of(kWhitespace);
    if (first == std::string_view::npos)
        return {};
    return s.substr(first, s.find_last_not_of(kWhitespace) - first + 1);
}

// GLib string lists: ';'-separated with an optional trailing ';'. Items are trimmed and empty
// ones skipped, so "a.b; c.d;" reads as two items, as a packager would expect.
std::vector<std::string> splitList(std::string_view value)
{
    std::vector<std::string> items;
    while (!value.empty()) {
        const auto semicolon = value.find(';');
        const auto item = trim(value.substr(0, semicolon));
        if (!item.empty())
            items.emplace_back(item);
        if (semicolon == std::string_view::npos)
            break;
        value.remove_prefix(semicolon + 1);
    }
    return items;
}

// ASCII only, independent of the C locale.
bool isNameChar(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Shared by identifiers and app ids; app ids double as D-Bus well-known names, whose elements
// may not start with a digit.
bool isValidReverseDns(std::string_view name, bool forbidLeadingDigit)
{
    if (name.empty() || name.size() > kMaxNameLength)
        return false;
    std::size_t elements = 0;
    for (;;) {
        const auto dot = name.find('.');
        const auto element = name.substr(0, dot);
        if (element.empty() || !std::ranges::all_of(element, isNameChar))
            return false;
        if (forbidLeadingDigit && isDigit(element.front()))
            return false;
        ++elements;
        if (dot == std::string_view::npos)
            break;
        name.remove_prefix(dot + 1);
    }
    return elements >= 2;
}

struct Entry {
    std::string value;
    int line = 0;
};

// One pass over the lines collects the [Application] entries; a second step interprets them,
// so that the order of keys in the file does not matter (PermittedIdentifiers needs Id and
// Kinds). Errors and warnings are kept apart: a rejected file reports only what rejected it.
class Parser {
public:
    explicit Parser(std::string_view fileName) : fileName_(fileName) {}

    ManifestParseResult run(std::string_view text);

private:
    enum class Section { None, Application, Other };

    void readLine(std::string_view line, int number);
    void readGroupHeader(std::string_view line, int number);
    void readKeyValue(std::string_view line, int number);

    const Entry* required(std::string_view key);
    void readId();
    void readBusName();
    void readKinds();
    void readEntitlements();
    void readIdentifiers();
    void readIdentifier(const std::string& item, int line);
    void readExec();

    void error(int line, std::string message) { errors_.push_back({line, std::move(message)}); }
    void warning(int line, std::string message) { warnings_.push_back({line, std::move(message)}); }

    std::string_view fileName_;
    Section section_ = Section::None;
    bool sawApplication_ = false;
    std::map<std::string, Entry, std::less<>> entries_;
    Manifest manifest_;
    bool idValid_ = false;
    std::vector<ManifestProblem> errors_;
    std::vector<ManifestProblem> warnings_;
};

ManifestParseResult Parser::run(std::string_view text)
{
    int number = 0;
    while (!text.empty()) {
        const auto newline = text.find('\n');
        readLine(text.substr(0, newline), ++number);
        if (newline == std::string_view::npos)
            break;
        text.remove_prefix(newline + 1);
    }
    if (!sawApplication_)
        error(0, "the file has no [Application] group");
    readId();
    readBusName();
    readKinds();
    readEntitlements();
    readIdentifiers();
    readExec();

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

// GLib keyfile syntax: '#' comments, [Group] headers, Key=Value. Values are taken literally;
// GLib's backslash escapes are not interpreted, since no valid value of a known key needs one.
void Parser::readLine(std::string_view line, int number)
{
    line = trim(line);
    if (line.empty() || line.front() == '#')
        return;
    if (line.front() == '[')
        readGroupHeader(line, number);
    else
        readKeyValue(line, number);
}

void Parser::readGroupHeader(std::string_view line, int number)
{
    const auto name = line.substr(1, line.size() - 1 - (line.back() == ']' ? 1 : 0));
    if (line.back() != ']' || name.empty() || name.find_first_of("[]") != std::string_view::npos) {
        error(number, "'" + std::string(line) + "' is not a valid group header");
        section_ = Section::Other;
        return;
    }
    if (name != kApplicationGroup) {
        // Other groups may belong to a newer bgtaskd or to another tool; ignoring them keeps
        // the manifest usable.
        warning(number, "group [" + std::string(name) + "] is not known and is ignored");
        section_ = Section::Other;
        return;
    }
    if (sawApplication_)
        error(number, "group [Application] appears more than once");
    sawApplication_ = true;
    section_ = Section::Application;
}

void Parser::readKeyValue(std::string_view line, int number)
{
    const auto equals = line.find('=');
    if (equals == std::string_view::npos) {
        error(number, "'" + std::string(line) + "' is neither a group header nor Key=Value");
        return;
    }
    const auto key = trim(line.substr(0, equals));
    if (key.empty()) {
        error(number, "the line has no key before '='");
        return;
    }
    if (section_ == Section::None) {
        error(number, "key " + std::string(key) + " appears before any group");
        return;
    }
    if (section_ == Section::Other)
        return;
    if (auto it = entries_.find(key); it != entries_.end()) {
        error(number, "key " + std::string(key) + " is set twice (first on line " +
                          std::to_string(it->second.line) + ")");
        return;
    }
    // Unknown keys are a warning, not an error, so a manifest written for a newer bgtaskd
    // still loads here.
    if (std::ranges::find(kKnownKeys, key) == std::end(kKnownKeys))
        warning(number, "key " + std::string(key) + " is not known and is ignored");
    entries_.emplace(std::string(key), Entry{std::string(trim(line.substr(equals + 1))), number});
}

const Entry* Parser::required(std::string_view key)
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
    const Entry* id = required("Id");
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
    const Entry* entry = required("Kinds");
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
    const Entry* entry = required("PermittedIdentifiers");
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
        else if (std::ranges::find(exact, item) != exact.end())
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
    else if (std::ranges::find(wildcards, prefix + ".") != wildcards.end())
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

} // namespace

ManifestParseResult parseManifest(std::string_view text, std::string_view fileName)
{
    return Parser(fileName).run(text);
}

// Wildcards ("prefix.*") are manifest syntax, not identifiers: '*' is not a name character.
bool isValidIdentifier(std::string_view identifier)
{
    return isValidReverseDns(identifier, false);
}

bool isValidAppId(std::string_view id)
{
    return isValidReverseDns(id, true);
}

} // namespace bgtask::core
