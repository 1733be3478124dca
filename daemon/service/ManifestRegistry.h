// SPDX-License-Identifier: LGPL-2.1-or-later
// The manifests bgtaskd knows: read from <dir>/bgtaskd/apps/*.conf for each data directory in
// precedence order (the first file for an app id wins), parsed by the core, problems kept with
// file and line so that they can be logged and shown. Between two reloads it tells which apps
// went away, so that their requests can be dropped. Reading and parsing (scan()) is a pure
// function of the files, so the daemon runs it off its loop and only apply()s the result there.
#pragma once

#include "core/Manifest.h"
#include "core/ManifestParser.h"

#include <filesystem>
#include <functional>
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

// What one reading of the apps directories found: the valid manifests in precedence order and
// every problem. Incomplete when the reading was cancelled (the daemon shutting down).
struct ManifestScan {
    std::vector<core::Manifest> manifests;
    std::vector<ManifestIssue> issues;
    bool complete = true;
};

class ManifestRegistry {
public:
    // dataDirs in precedence order (XDG_DATA_HOME first); each is searched for bgtaskd/apps/.
    // rules: what this instance demands of every manifest (the system instance: Exec needs User).
    explicit ManifestRegistry(std::vector<std::filesystem::path> dataDirs, core::ManifestRules rules = {});

    // Re-reads every directory; returns the issues found (also kept for issues()).
    // scan() then apply(), on the calling thread.
    const std::vector<ManifestIssue>& reload();

    // Reads and parses every apps directory under dataDirs (precedence order, a directory
    // listed twice read once). Touches no registry: safe on any thread. cancelled, when given,
    // is asked between files; once it says true the scan stops and is incomplete.
    static ManifestScan scan(const std::vector<std::filesystem::path>& dataDirs, const core::ManifestRules& rules,
                             const std::function<bool()>& cancelled = {});
    // Replaces the registry's manifests with a complete scan's, and works out which apps it
    // lost (removedApps()) and holds; returns the issues (also kept for issues()).
    const std::vector<ManifestIssue>& apply(ManifestScan scan);

    const core::Manifest* byId(std::string_view appId) const;
    // The manifests whose BusName is this name (usually one), in registry order.
    std::vector<const core::Manifest*> byBusName(std::string_view busName) const;
    // The same without a vector, which every submit would build: f(manifest) for each.
    template <typename F>
    void forEachByBusName(std::string_view busName, F&& f) const
    {
        const auto [first, last] = byBusName_.equal_range(busName);
        for (auto it = first; it != last; ++it)
            f(manifests_[it->second]);
    }
    const std::vector<core::Manifest>& all() const { return manifests_; }
    const std::vector<ManifestIssue>& issues() const { return issues_; }
    // The apps the last reload() lost: known before (valid, or held) and now without a valid
    // manifest or a file that still fails to parse. An app whose file is still there but no
    // longer parses (half-written, edited wrongly in place) is held instead: it is not removed,
    // so its requests wait for a fix rather than being dropped. The first reload removes nothing.
    const std::vector<std::string>& removedApps() const { return removed_; }
    // Whether the app's manifest file is there but fails to parse: held by a reload, or, at
    // start-up (before any reload knew the app), a broken <app id>.conf with a fatal problem.
    bool brokenInPlace(std::string_view appId) const;
    const std::vector<std::filesystem::path>& dataDirs() const { return dataDirs_; }
    const core::ManifestRules& rules() const { return rules_; }

    // Standard XDG user-mode search path: $XDG_DATA_HOME (or ~/.local/share), then $XDG_DATA_DIRS
    // (or /usr/local/share:/usr/share).
    static std::vector<std::filesystem::path> userDataDirs();

private:

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
