// SPDX-License-Identifier: LGPL-2.1-or-later
// The manifests bgtaskd knows: read from <dir>/bgtaskd/apps/*.conf for each data directory in
// precedence order (the first file for an app id wins), parsed by the core, problems kept with
// file and line so that they can be logged and shown. Between two reloads it tells which apps
// went away, so that their requests can be dropped.
#pragma once

#include "core/Manifest.h"
#include "core/ManifestParser.h"

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace bgtask::service {

struct ManifestIssue {
    std::string file;
    int line = 0;
    std::string message;
    bool fatal = false;   // the manifest was skipped
};

class ManifestRegistry {
public:
    // dataDirs in precedence order (XDG_DATA_HOME first); each is searched for bgtaskd/apps/.
    // rules: what this instance demands of every manifest (the system instance: Exec needs User).
    explicit ManifestRegistry(std::vector<std::filesystem::path> dataDirs, core::ManifestRules rules = {});

    // Re-reads every directory; returns the issues found (also kept for issues()).
    const std::vector<ManifestIssue>& reload();

    const core::Manifest* byId(std::string_view appId) const;
    // The manifests whose BusName is this name (usually one), in registry order.
    std::vector<const core::Manifest*> byBusName(std::string_view busName) const;
    const std::vector<core::Manifest>& all() const { return manifests_; }
    const std::vector<ManifestIssue>& issues() const { return issues_; }
    // The apps the last reload() lost: known before (valid, or held) and now without a valid
    // manifest or a file that still fails to parse. An app whose file is still there but no
    // longer parses (half-written, edited wrongly in place) is held instead: it is not removed,
    // so its requests wait for a fix rather than being dropped. The first reload removes nothing.
    const std::vector<std::string>& removedApps() const { return removed_; }
    const std::vector<std::filesystem::path>& dataDirs() const { return dataDirs_; }

    // Standard XDG user-mode search path: $XDG_DATA_HOME (or ~/.local/share), then $XDG_DATA_DIRS
    // (or /usr/local/share:/usr/share).
    static std::vector<std::filesystem::path> userDataDirs();

private:
    void loadDirectory(const std::filesystem::path& appsDir);

    std::vector<std::filesystem::path> dataDirs_;
    core::ManifestRules rules_;
    std::vector<core::Manifest> manifests_;
    std::multimap<std::string, std::size_t, std::less<>> byBusName_;   // bus name → index
    std::unordered_map<std::string, std::size_t> byId_;                  // app id → index
    std::vector<ManifestIssue> issues_;
    std::map<std::string, std::string, std::less<>> held_;   // app id → its broken file
    std::vector<std::string> removed_;
};

} // namespace bgtask::service
