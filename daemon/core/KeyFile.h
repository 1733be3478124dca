// SPDX-License-Identifier: LGPL-2.1-or-later
// A small, strict reader for the desktop-entry style key files bgtaskd uses (manifests and the
// daemon's config): [Group] headers, Key=Value lines, '#' comments. Pure: text in, entries with
// their line numbers out.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bgtask::core {

struct KeyFileEntry {
    std::string group;
    std::string key;
    std::string value;
    int line = 0;
};

struct KeyFileProblem {
    int line = 0;
    std::string message;
};

struct KeyFile {
    std::vector<KeyFileEntry> entries;
    std::vector<KeyFileProblem> errors;   // malformed lines, keys outside a group, duplicates
};

KeyFile parseKeyFile(std::string_view text);

// "a;b;;c;" → {"a", "b", "c"}; items trimmed.
std::vector<std::string> splitList(std::string_view value);

} // namespace bgtask::core
