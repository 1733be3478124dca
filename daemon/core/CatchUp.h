// SPDX-License-Identifier: LGPL-2.1-or-later
// The catch-up governor: after a resume from sleep, the daemon's start or external power coming
// back, many requests of the scheduled kinds can be due at once. Launching them all in one go
// wakes every app at the same moment, just as the user opens the lid. While catching up, at
// most `launches` requests launch in any sliding window of `window`; the rest wait in a line,
// oldest-overdue first, with the reason "catch-up: position N". Pure: the service says when a
// catch-up begins and records its launches; the planner asks the functions below.
#pragma once

#include "TaskRequest.h"
#include "Time.h"

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace bgtask::core {

struct CatchUpState {
    std::optional<TimePoint> since;    // when the catch-up began; nullopt: not catching up
    std::vector<TimePoint> launches;   // launches of the scheduled kinds since then, oldest first
    std::string cause;                 // what began it: "resume", "start-up", "external-power"

    bool active() const { return since.has_value(); }
    bool operator==(const CatchUpState&) const = default;
};

struct CatchUpLimits {
    std::size_t launches = 0;          // per window; 0 switches the governor off
    Duration window{0};

    bool operator==(const CatchUpLimits&) const = default;
};

// Stable blocker id shown by explain.
inline constexpr const char* kBlockerCatchUp = "catch-up";

// The catch-up that governs a plan with `due` requests of the scheduled kinds due: the current
// one, or, when none is active and more are due than one window's quota, one that begins now
// ("N requests due at once": a burst is a catch-up whatever caused it, e.g. a resume whose
// timer fired before logind's signal arrived). Inactive otherwise.
CatchUpState governingCatchUp(const CatchUpState& state, const CatchUpLimits& limits, std::size_t due,
                              TimePoint now);

// How many more requests may launch now: unbounded (SIZE_MAX) when not catching up or switched
// off, else `launches` minus the launches inside (now - window, now].
std::size_t catchUpQuota(const CatchUpState& state, const CatchUpLimits& limits, TimePoint now);

// When the quota grows again while it is spent: the moment the oldest launch inside the window
// leaves it. nullopt when there is quota now or no catch-up.
std::optional<TimePoint> catchUpReopens(const CatchUpState& state, const CatchUpLimits& limits, TimePoint now);

// Whether a catch-up that held nothing back in a plan at `now` is over: it lasts at least one
// window from its start, so that requests whose conditions the sources report only after a
// start-up or resume are governed too.
bool catchUpMayEnd(const CatchUpState& state, const CatchUpLimits& limits, TimePoint now);

// Since when a request has been due: the later of its submission and its earliest begin date.
TimePoint dueSince(const TaskRequest& request);

// Sorts due requests into the governor's line: the longest overdue first (oldest dueSince),
// then submission order.
void sortCatchUpLine(std::vector<const TaskRequest*>& line);

// "catch-up: position 7 in line after resume; at most 4 launches per 60 s"
std::string catchUpReason(std::size_t position, const CatchUpState& state, const CatchUpLimits& limits);

} // namespace bgtask::core
