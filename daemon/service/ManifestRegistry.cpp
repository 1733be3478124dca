// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ManifestRegistry.h"

#include "core/ManifestParser.h"
#include "core/Utf8.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <unordered_set>

namespace bgtask::service {
namespace fs = std::filesystem;

ManifestRegistry::ManifestRegistry(std::vector<fs::path> dataDirs, core::ManifestRules rules)
    : dataDirs_(std::move(dataDirs)), rules_(rules)
{
}

namespace {

// Reads one apps directory into scan; ids: the app ids taken so far (the first file wins).
void scanDirectory(const fs::path& appsDir, const core::ManifestRules& rules, const std::function<bool()>& cancelled,
                   std::unordered_set<std::string>& ids, ManifestScan& scan)
{
    std::error_code ec;
    if (!fs::is_directory(appsDir, ec))
        return;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(appsDir, ec))
        if (entry.path().extension() == ".conf" && entry.is_regular_file(ec))
            files.push_back(entry.path());
    std::sort(files.begin(), files.end());   // deterministic order, for messages and tests

    for (const auto& file : files) {
        if (cancelled && cancelled()) {
            scan.complete = false;
            return;
        }
        // Problems and apps are answered on the bus, which carries only UTF-8: a file name
        // that is not is shown repaired, and its manifest refused (its Id could never match).
        const std::string shownName = core::sanitizeUtf8(file.string());
        if (!core::isValidUtf8(file.filename().string())) {
            scan.issues.push_back({shownName, 0, "the file name is not valid UTF-8", true});
            continue;
        }
        std::ifstream in(file);
        std::stringstream text;
        text << in.rdbuf();
        if (!in.good() && !in.eof()) {
            scan.issues.push_back({shownName, 0, "cannot read file", true});
            continue;
        }
        auto parsed = core::parseManifest(text.str(), file.filename().string(), rules);
        for (const auto& p : parsed.problems)
            scan.issues.push_back({shownName, p.line, core::sanitizeUtf8(p.message), !parsed.manifest});
        if (!parsed.manifest)
            continue;
        if (!ids.insert(parsed.manifest->id).second) {
            scan.issues.push_back({shownName, 0, "shadowed by an earlier manifest for " + parsed.manifest->id, false});
            continue;
        }
        parsed.manifest->sourceFile = shownName;
        scan.manifests.push_back(std::move(*parsed.manifest));
    }
}

} // namespace

const std::vector<ManifestIssue>& ManifestRegistry::reload() { return apply(scan(dataDirs_, rules_)); }

ManifestScan ManifestRegistry::scan(const std::vector<fs::path>& dataDirs, const core::ManifestRules& rules,
                                    const std::function<bool()>& cancelled)
{
    ManifestScan out;
    std::unordered_set<std::string> ids;
    std::vector<fs::path> seen;   // XDG_DATA_HOME may also be listed in XDG_DATA_DIRS
    for (const auto& dir : dataDirs) {
        std::error_code ec;
        auto canonical = fs::weakly_canonical(dir, ec);
        if (ec)
            canonical = dir;
        if (std::find(seen.begin(), seen.end(), canonical) != seen.end())
            continue;
        seen.push_back(canonical);
        scanDirectory(dir / "bgtaskd" / "apps", rules, cancelled, ids, out);
        if (!out.complete)
            break;
    }
    return out;
}

const std::vector<ManifestIssue>& ManifestRegistry::apply(ManifestScan scan)
{
    auto known = std::move(held_);   // app id → the file it came from
    held_.clear();
    for (const auto& m : manifests_)
        known.insert_or_assign(m.id, m.sourceFile);
    manifests_ = std::move(scan.manifests);
    issues_ = std::move(scan.issues);
    byId_.clear();
    byBusName_.clear();
    for (std::size_t i = 0; i < manifests_.size(); ++i) {
        byId_.emplace(manifests_[i].id, i);
        byBusName_.emplace(manifests_[i].busName, i);
    }

    removed_.clear();
    for (auto& entry : known) {
        const auto& id = entry.first;
        auto& file = entry.second;   // a plain reference: clang cannot capture a structured binding
        if (byId(id))
            continue;
        const bool broken = std::any_of(issues_.begin(), issues_.end(),
                                        [&](const ManifestIssue& i) { return i.fatal && i.file == file; });
        if (broken)
            held_.emplace(id, std::move(file));
        else
            removed_.push_back(id);
    }
    return issues_;
}

bool ManifestRegistry::brokenInPlace(std::string_view appId) const
{
    if (held_.contains(appId))
        return true;
    // A manifest's Id must be its file's name without .conf: that is whose file it was.
    const std::string fileName = std::string(appId) + ".conf";
    return std::any_of(issues_.begin(), issues_.end(), [&](const ManifestIssue& i) {
        return i.fatal && fs::path(i.file).filename() == fileName;
    });
}

std::vector<const core::Manifest*> ManifestRegistry::byBusName(std::string_view busName) const
{
    std::vector<const core::Manifest*> out;
    const auto [first, last] = byBusName_.equal_range(busName);
    for (auto it = first; it != last; ++it)
        out.push_back(&manifests_[it->second]);
    return out;
}

// Hashed: submits, launches and every reload ask by id, and a walk over 2,000 manifests per
// question made a reload quadratic.
const core::Manifest* ManifestRegistry::byId(std::string_view appId) const
{
    const auto it = byId_.find(std::string(appId));
    return it == byId_.end() ? nullptr : &manifests_[it->second];
}

std::vector<fs::path> ManifestRegistry::userDataDirs()
{
    std::vector<fs::path> dirs;
    if (const char* home = std::getenv("XDG_DATA_HOME"); home && *home == '/')
        dirs.emplace_back(home);
    else if (const char* h = std::getenv("HOME"); h && *h)
        dirs.push_back(fs::path(h) / ".local" / "share");
    std::string list = "/usr/local/share:/usr/share";
    if (const char* d = std::getenv("XDG_DATA_DIRS"); d && *d)
        list = d;
    std::stringstream ss(list);
    for (std::string item; std::getline(ss, item, ':');)
        if (!item.empty() && item.front() == '/')
            dirs.emplace_back(item);
    return dirs;
}

} // namespace bgtask::service
