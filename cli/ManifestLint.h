// SPDX-License-Identifier: LGPL-2.1-or-later
// bgtaskctl lint's checks of one manifest before it is installed: the problems the daemon's own
// parser (core/ManifestParser) reports, plus what only a packager can fix: near-miss keys and
// groups with a suggestion, identifiers outside the app id, and a bus name nothing can activate.
// Pure apart from activatableBusNames(), which reads D-Bus service files; owns nothing.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace bgtaskctl {

struct LintProblem {
    int line = 0;          // 1-based; 0 for the whole file
    bool error = true;     // false: the daemon would load the manifest anyway
    std::string message;
};

// What lintManifest needs to know about the machine (or the package's staging tree).
struct ActivationFiles {
    std::set<std::string, std::less<>> busNames;   // Name= of every D-Bus service file found
    std::vector<std::filesystem::path> searched;   // the directories looked in, for messages
};

// fileName is the manifest's base name (the app id + ".conf"). Problems sorted by line.
std::vector<LintProblem> lintManifest(std::string_view text, std::string_view fileName,
                                      const ActivationFiles& activation);

// The standard D-Bus service directories of the session bus (XDG data dirs) or the system bus,
// in search order.
std::vector<std::filesystem::path> standardActivationDirs(bool systemBus);
// Reads the Name= of every *.service file in the directories; missing directories are skipped.
ActivationFiles activatableBusNames(const std::vector<std::filesystem::path>& dirs);

// The known key nearest to `key` when it is near enough to be a typo (same letters in another
// case, or a few edits away); empty when none is.
std::string nearMissKey(std::string_view key, const std::vector<std::string_view>& known);

} // namespace bgtaskctl
