// SPDX-License-Identifier: LGPL-2.1-or-later
// Which NameOwnerChanged match rules follow a set of well-known bus names within a budget of
// rules: one exact arg0 rule per name while they fit, otherwise arg0namespace rules on the
// deepest common prefixes (whole dot-separated elements) that fit. A namespace matches the
// prefix itself and every name below it, never a unique name (":1.42"), so a cover lets other
// clients join and leave the bus unseen; the caller filters the names a namespace matches but
// does not follow. Pure: it owns and borrows nothing.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace bgtask::core {

struct NameRule {
    std::string name;
    bool isNamespace = false;   // arg0namespace='name' (name and name.*); otherwise arg0='name'

    friend bool operator==(const NameRule&, const NameRule&) = default;
};

// The rules, sorted by name and pairwise disjoint (no rule matches a name another rule
// matches), covering every name in `names` with at most `budget` rules: every name exactly
// when they fit; otherwise, starting from the top-level elements ("org", "com"), the shallowest
// prefix whose children still fit is replaced by them, until none fits. A name that has other
// names below it ("org.example.App", "org.example.App.Helper") becomes one namespace.
// nullopt when even the top-level elements need more than `budget` rules.
// `names` are well-known bus names (unique names are the caller's business); duplicates are
// fine.
std::optional<std::vector<NameRule>> coverNames(const std::vector<std::string>& names, std::size_t budget);

} // namespace bgtask::core
