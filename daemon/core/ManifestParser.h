// SPDX-License-Identifier: LGPL-2.1-or-later
// Parses a manifest keyfile (<app-id>.conf, group [Application]) from text. Pure: the caller
// reads the file. Problems carry the line they were found on; a manifest with any error-level
// problem is rejected as a whole.
#pragma once

#include "Manifest.h"
#include "Names.h"   // isValidAppId, isValidIdentifier: callers reach them through this header

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bgtask::core {

struct ManifestProblem {
    int line = 0;          // 1-based; 0 for problems of the whole file
    std::string message;
};

struct ManifestParseResult {
    std::optional<Manifest> manifest;        // set when the file is usable
    std::vector<ManifestProblem> problems;   // errors (manifest unset) or warnings (manifest set)
};

// What the instance reading the manifests demands beyond the file itself.
struct ManifestRules {
    // The system instance runs as root: Exec= needs User= there, or the command would run as
    // root without anyone having said so (a problem at Exec's line; the manifest is rejected).
    bool execNeedsUser = false;
};

// fileName is the file's base name; the app id must equal it without ".conf". User= is a
// POSIX account name (or a numeric uid) and only goes with Exec=.
ManifestParseResult parseManifest(std::string_view text, std::string_view fileName,
                                  ManifestRules rules = {});

// The keys the [Application] group knows, for tools that suggest a near-miss key (bgtaskctl lint).
std::vector<std::string_view> applicationKeys();

} // namespace bgtask::core
