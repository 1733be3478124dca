// SPDX-License-Identifier: LGPL-2.1-or-later
// A small, strict reader for the desktop-entry style key files bgtaskd uses (manifests and the
// daemon's config): [Group] headers, Key=Value lines, '#' comments. Pure: text in, groups, entries
// and problems with their line numbers out; what a group or key means is left to the caller.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bgtask::core {

// A well-formed [Group] header. Every one is listed, repeats included, so that a caller can
// refuse a repeated group or warn about groups it does not read.
struct KeyFileGroup {
    std::string name;
    int line = 0;
};

// The first Key=Value of a key in a group; key and value are trimmed, the value taken literally
// (no escapes), everything after the first '=' included.
struct KeyFileEntry {
    std::string group;
    std::string key;
    std::string value;
    int line = 0;
};

// A key set again in a group it was already set in, also under a repeated header of that group.
// Not an entry: the first value stays. Kept apart from the errors so that a caller can ignore
// repeats inside groups it does not read.
struct KeyFileDuplicate {
    std::string group;
    std::string key;
    int line = 0;
    int firstLine = 0;
};

struct KeyFileProblem {
    int line = 0;
    std::string message;
};

struct KeyFile {
    std::vector<KeyFileGroup> groups;
    std::vector<KeyFileEntry> entries;
    std::vector<KeyFileDuplicate> duplicates;
    // Lines that are not UTF-8 (never quoted), malformed headers, lines that are not Key=Value, empty keys, keys before any group. Keys
    // under a malformed header are dropped without a problem of their own: the header's covers them.
    std::vector<KeyFileProblem> errors;
};

KeyFile parseKeyFile(std::string_view text);

// GLib string lists: "a;b;;c;" → {"a", "b", "c"}; items trimmed, empty ones skipped.
std::vector<std::string> splitList(std::string_view value);

} // namespace bgtask::core
