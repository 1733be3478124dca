// SPDX-License-Identifier: LGPL-2.1-or-later
// The rule for a launch that never reached the app (issue 11, defect 1): the bus daemon knows no
// way to start the app's name (no activation file, no owner) or the app, already running, has
// not registered the identifier. Such a launch never consumes the request: it goes back to
// pending with the blocker "app-unreachable", is retried after a growing delay, and is launched
// as soon as the app registers. Pure: time is an argument.
#pragma once

#include "Time.h"

#include <optional>
#include <string>
#include <string_view>

namespace bgtask::core {

inline constexpr const char* kBlockerAppUnreachable = "app-unreachable";

// A pending request whose last launch did not reach its app.
struct Unreachable {
    TimePoint since{};     // the first launch that did not reach the app
    TimePoint retryAt{};   // the next attempt, unless the app registers before
    int attempts = 0;      // launches that did not reach the app, in a row
    std::string why;       // what the last attempt met: "not-activatable: …", "not-registered: …"

    bool operator==(const Unreachable&) const = default;
};

// The first retry comes after kFirstUnreachableRetry, each further one after twice the previous
// delay, never longer than kMaxUnreachableRetry: an app that is gone costs a bus call an hour.
inline constexpr Duration kFirstUnreachableRetry = std::chrono::seconds(30);
inline constexpr Duration kMaxUnreachableRetry = std::chrono::hours(1);

// Whether a D-Bus error of StartServiceByName means the name cannot be started on this bus at
// all (org.freedesktop.DBus.Error.ServiceUnknown, NameHasNoOwner, Spawn.ServiceNotFound), as
// opposed to an activation that was tried and failed (Spawn.ChildExited, timeouts, …).
bool isUnreachableError(std::string_view busErrorName);

// The delay before attempt `attempts + 1`, after `attempts` (≥ 1) launches that did not reach the app.
Duration unreachableRetryDelay(int attempts);

// The state after one more launch that did not reach the app, at `now`.
Unreachable markUnreachable(const std::optional<Unreachable>& previous, std::string why, TimePoint now);

// The blocker's sentence for explain: "app-unreachable: <why>; 3 attempts since …; next at …"
// is composed by the planner; this gives its stable head and cause.
std::string unreachableReason(const Unreachable& state);

} // namespace bgtask::core
