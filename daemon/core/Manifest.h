// SPDX-License-Identifier: LGPL-2.1-or-later
// An app's manifest: who the app is on the bus, which identifiers and kinds it may use and which
// entitlements it holds. Installed by the app's package; never declared at run time.
#pragma once

#include "Atom.h"
#include "RequestOptions.h"
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

// A [Schedule <identifier>] group: bgtaskd keeps one pending request of it, so that the app or
// service needs no code to submit it (rules in Schedule.h).
struct ManifestSchedule {
    std::string identifier;
    TaskKind kind = TaskKind::Processing;
    RequestOptions options;   // its conditions and schedule keys; repeatInterval is always set

    bool operator==(const ManifestSchedule&) const = default;
};

struct Manifest {
    std::string id;                           // reverse-DNS app id
    std::string busName;                      // defaults to id
    std::vector<Atom> identifiers;            // exact permitted identifiers, interned (Atom.h)
    std::vector<std::string> wildcardPrefixes;// from "prefix.*" entries, stored as "prefix." (continued processing only)
    std::set<TaskKind> kinds;
    std::set<Entitlement> entitlements;
    std::optional<std::string> exec;          // command used when bus activation is unavailable
    std::optional<std::string> user;          // User=: the account Exec runs as (required on
                                              // the system bus: nothing runs as root by accident)
    std::optional<std::string> unit;          // a systemd unit that is the task (Unit=); then
                                              // the bus name only says who may submit
    // Its [Schedule] groups, in file order. Each schedule's identifier is in `identifiers` and
    // its kind in `kinds`: declaring a schedule permits what it submits.
    std::vector<ManifestSchedule> schedules;
    std::string sourceFile;                   // where it was read from, for messages

    // True when the identifier is listed exactly, or (for continued processing only) matches a
    // wildcard prefix with a non-empty suffix.
    bool permitsIdentifier(std::string_view identifier, TaskKind kind) const;
    // True when some kind may use this identifier (Register's question).
    bool permitsAnyKind(std::string_view identifier) const;
    bool hasEntitlement(Entitlement e) const { return entitlements.contains(e); }
    // The schedule this manifest declares for the identifier; nullptr when none.
    const ManifestSchedule* scheduleFor(std::string_view identifier) const;

    bool operator==(const Manifest&) const = default;
};

} // namespace bgtask::core
