// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ManifestLint.h"

#include "core/KeyFile.h"
#include "core/ManifestParser.h"
#include "core/ScheduleGroup.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace bgtaskctl {
namespace fs = std::filesystem;
namespace core = bgtask::core;

namespace {

constexpr std::string_view kApplication = "Application";

std::string lower(std::string_view text)
{
    std::string out(text);
    std::ranges::transform(out, out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
// neighbouring letters, the typos people make in key names.
std::size_t editDistance(std::string_view a, std::string_view b)
{
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i)
        d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j)
        d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.size()][b.size()];
}

std::string joinedPaths(const std::vector<fs::path>& dirs)
{
    std::string out;
    for (const auto& dir : dirs)
        out += (out.empty() ? "" : ", ") + dir.string();
    return out.empty() ? "no directory" : out;
}

// The lint's own checks, over the key file and (when the daemon would load it) the manifest.
class Linter {
public:
    Linter(std::string_view text, std::string_view fileName, const ActivationFiles& activation)
        : file_(core::parseKeyFile(text)), parsed_(core::parseManifest(text, fileName)), activation_(activation)
    {
    }

    std::vector<LintProblem> run();

private:
    void checkGroups();
    void checkKeys();
    void checkIdentifiers();
    void checkActivation();
    const core::KeyFileEntry* applicationEntry(std::string_view key) const;
    void add(int line, bool error, std::string message) { own_.push_back({line, error, std::move(message)}); }

    core::KeyFile file_;
    core::ManifestParseResult parsed_;
    const ActivationFiles& activation_;
    std::vector<LintProblem> own_;
    std::set<int> unknownLines_;   // lines of unknown keys and groups, which lint reports itself
};

std::vector<LintProblem> Linter::run()
{
    checkGroups();
    checkKeys();
    checkIdentifiers();
    checkActivation();
    std::vector<LintProblem> out;
    const bool accepted = parsed_.manifest.has_value();
    for (const auto& problem : parsed_.problems) {
        // An accepted manifest's problems are warnings; its unknown keys and groups are the
        // ones lint reports again with a suggestion.
        if (accepted && unknownLines_.contains(problem.line))
            continue;
        out.push_back({problem.line, !accepted, problem.message});
    }
    out.insert(out.end(), own_.begin(), own_.end());
    std::ranges::stable_sort(out, {}, &LintProblem::line);
    return out;
}

const core::KeyFileEntry* Linter::applicationEntry(std::string_view key) const
{
    for (const auto& entry : file_.entries)
        if (entry.group == kApplication && entry.key == key)
            return &entry;
    return nullptr;
}

void Linter::checkGroups()
{
    for (const auto& group : file_.groups) {
        if (group.name == kApplication || core::isScheduleGroup(group.name))
            continue;
        unknownLines_.insert(group.line);
        std::string message = "group [" + group.name + "] is not known and is ignored";
        const auto space = group.name.find(' ');
        if (lower(group.name.substr(0, space)).starts_with("schedule") && space != std::string::npos)
            message += "; did you mean [Schedule " + group.name.substr(space + 1) + "]?";
        else if (editDistance(lower(group.name), lower(kApplication)) <= 2)
            message += "; did you mean [Application]?";
        add(group.line, false, std::move(message));
    }
}

void Linter::checkKeys()
{
    const auto applicationKeys = core::applicationKeys();
    const auto scheduleKeys = core::scheduleKeys();
    for (const auto& entry : file_.entries) {
        const bool application = entry.group == kApplication;
        if (!application && !core::isScheduleGroup(entry.group))
            continue;   // the group's own problem covers it
        const auto& known = application ? applicationKeys : scheduleKeys;
        if (std::ranges::find(known, entry.key) != known.end())
            continue;
        unknownLines_.insert(entry.line);
        std::string message = "key " + entry.key + " is not known in [" +
                              (application ? std::string(kApplication) : std::string("Schedule")) +
                              "] and is ignored";
        if (auto suggestion = nearMissKey(entry.key, known); !suggestion.empty())
            message += "; did you mean " + suggestion + "?";
        add(entry.line, false, std::move(message));
    }
}

// Apple's convention, which bgtaskd keeps: a task identifier is the app id followed by a name,
// so that identifiers of two apps can never collide in logs, history and explain.
void Linter::checkIdentifiers()
{
    const auto* id = applicationEntry("Id");
    if (id == nullptr || !core::isValidAppId(id->value))
        return;
    const std::string prefix = id->value + ".";
    const auto check = [&](const std::string& identifier, int line) {
        if (!identifier.starts_with(prefix))
            add(line, false, "identifier '" + identifier + "' does not start with the app id " + id->value +
                                 " (name it " + prefix + "<task>)");
    };
    if (const auto* permitted = applicationEntry("PermittedIdentifiers"))
        for (const auto& item : core::splitList(permitted->value))
            if (!item.ends_with(".*"))   // the parser checks wildcards against the app id
                check(item, permitted->line);
    for (const auto& group : file_.groups)
        if (core::isScheduleGroup(group.name))
            check(group.name.substr(core::kScheduleGroupPrefix.size()), group.line);
}

// bgtaskd runs an app's tasks through its unit, D-Bus activation of its bus name, or Exec=.
void Linter::checkActivation()
{
    if (!parsed_.manifest)
        return;
    const auto& manifest = *parsed_.manifest;
    if (manifest.unit || activation_.busNames.contains(manifest.busName))
        return;
    const std::string missing = "no D-Bus activation file names " + manifest.busName + " (searched " +
                                joinedPaths(activation_.searched) + ")";
    if (!manifest.schedules.empty() && !manifest.exec) {
        for (const auto& group : file_.groups)
            if (core::isScheduleGroup(group.name))
                add(group.line, true, "[" + group.name + "]: nothing can start it: no Unit=, no Exec=, and " + missing);
        return;
    }
    if (manifest.exec)
        return;   // started by its command
    const bool onlyContinued = std::ranges::all_of(
        manifest.kinds, [](core::TaskKind kind) { return kind == core::TaskKind::ContinuedProcessing; });
    if (onlyContinued)
        return;   // continued processing runs in the app that asks for it
    const auto* where = applicationEntry("BusName");
    if (where == nullptr)
        where = applicationEntry("Id");
    add(where ? where->line : 0, true,
        missing + ": bgtaskd cannot launch the app for its background tasks; install one, or set Exec= or Unit=");
}

} // namespace

std::vector<LintProblem> lintManifest(std::string_view text, std::string_view fileName,
                                      const ActivationFiles& activation)
{
    return Linter(text, fileName, activation).run();
}

std::string nearMissKey(std::string_view key, const std::vector<std::string_view>& known)
{
    const std::string wanted = lower(key);
    // Long keys tolerate more typos; short ones only one or two, so "Exec" never suggests "Id".
    const std::size_t allowed = std::min<std::size_t>(3, std::max<std::size_t>(1, wanted.size() / 4));
    std::string best;
    std::size_t bestDistance = allowed + 1;
    for (const auto candidate : known) {
        const std::size_t distance = editDistance(wanted, lower(candidate));
        if (distance < bestDistance) {
            bestDistance = distance;
            best = candidate;
        }
    }
    return best;
}

std::vector<fs::path> standardActivationDirs(bool systemBus)
{
    std::vector<fs::path> dataDirs;
    if (!systemBus) {
        if (const char* home = std::getenv("XDG_DATA_HOME"); home && *home == '/')
            dataDirs.emplace_back(home);
        else if (const char* h = std::getenv("HOME"); h && *h)
            dataDirs.push_back(fs::path(h) / ".local" / "share");
    }
    std::string list = "/usr/local/share:/usr/share";
    if (const char* d = std::getenv("XDG_DATA_DIRS"); d && *d && !systemBus)
        list = d;
    std::stringstream ss(list);
    for (std::string item; std::getline(ss, item, ':');)
        if (!item.empty() && item.front() == '/')
            dataDirs.emplace_back(item);
    std::vector<fs::path> dirs;
    for (const auto& dir : dataDirs)
        dirs.push_back(dir / "dbus-1" / (systemBus ? "system-services" : "services"));
    if (systemBus)
        dirs.emplace_back("/lib/dbus-1/system-services");
    return dirs;
}

ActivationFiles activatableBusNames(const std::vector<fs::path>& dirs)
{
    ActivationFiles out;
    out.searched = dirs;
    for (const auto& dir : dirs) {
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(dir, ec)) {
            if (entry.path().extension() != ".service")
                continue;
            std::ifstream in(entry.path());
            std::stringstream text;
            text << in.rdbuf();
            for (const auto& keyEntry : core::parseKeyFile(text.str()).entries)
                if (keyEntry.group == "D-BUS Service" && keyEntry.key == "Name")
                    out.busNames.insert(keyEntry.value);
        }
    }
    return out;
}

} // namespace bgtaskctl
