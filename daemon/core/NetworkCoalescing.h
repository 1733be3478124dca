// SPDX-License-Identifier: LGPL-2.1-or-later
// Network coalescing: requests of the scheduled kinds that need the network and fall due within
// a short window of each other launch together, so that the radio wakes once rather than once
// per request. When a network request launches (its time came, or the network came up), every
// other network request whose only blocker is an earliest begin date no later than the window
// ahead launches with it: the window is the one place bgtaskd starts a request before its
// earliest begin date, by at most the window. Pure: the planner asks the functions below.
#pragma once

#include "TaskRequest.h"
#include "Time.h"

#include <optional>
#include <string>

namespace bgtask::core {

// Whether a request takes part in coalescing: a scheduled kind that needs the network.
bool coalescesOnNetwork(const TaskRequest& request);

// Whether a network request held only by its earliest begin date `dueAt` joins a group
// launching at `leader`: the date is at most `window` after it (window 0: never).
bool joinsGroup(TimePoint dueAt, TimePoint leader, Duration window);

// The text added to the earliest-begin-date reason of a request that will launch early with
// others: "coalesced with 3 other network requests at 2026-12-06T14:02:00Z".
std::string coalescedText(std::size_t others, TimePoint leader);

} // namespace bgtask::core
