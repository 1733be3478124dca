// SPDX-License-Identifier: LGPL-2.1-or-later
// An app's manifest: who the app is on the bus, which identifiers and kinds it may use and which
// entitlements it holds. Installed by the app's package; never declared at run time.
#pragma once

#include "TaskKind.h"

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace bgtask::core {

enum class Entitlement { Gpu, HealthResearch };
std::string_view toString(Entitlement e);   // "gpu" | "health-research"
std::optional<Entitlement> parseEntitlement(std::string_view s);  // inverse; nullopt when unknown

struct Manifest {
    std::string id;                           // reverse-DNS app id
    std::string busName;                      // defaults to id
    std::vector<std::string> identifiers;     // exact permitted identifiers
    std::vector<std::string> wildcardPrefixes;// from "prefix.*" entries, stored as "prefix." (continued processing only)
    std::set<TaskKind> kinds;
    std::set<Entitlement> entitlements;
    std::optional<std::string> exec;          // command used when bus activation is unavailable
    std::optional<std::string> unit;          // a systemd unit that is the task (Unit=); then
                                              // the bus name only says who may submit
    std::string sourceFile;                   // where it was read from, for messages

    // True when the identifier is listed exactly, or (for continued processing only) matches a
    // wildcard prefix with a non-empty suffix.
    bool permitsIdentifier(std::string_view identifier, TaskKind kind) const;
    // True when some kind may use this identifier (Register's question).
    bool permitsAnyKind(std::string_view identifier) const;
    bool hasEntitlement(Entitlement e) const { return entitlements.contains(e); }

    bool operator==(const Manifest&) const = default;
};

} // namespace bgtask::core
