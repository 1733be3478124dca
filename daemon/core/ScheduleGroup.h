// SPDX-License-Identifier: LGPL-2.1-or-later
// Reads a manifest's [Schedule <identifier>] groups: Kind, Interval, the request's conditions and
// the schedule's own keys, with every problem at the line it is on. Pure; a step of the manifest
// parser, which owns the key file and the manifest these functions borrow.
//
//   [Schedule org.example.Backup.nightly]
//   Kind=processing                      app-refresh | processing | health-research (required)
//   Interval=1d                          a systemd time span, at least 1 min (required)
//   RandomizedDelay=1h                   a random delay added to each due time
//   Flex=2h                              how much earlier than Interval a run may start
//   BackoffDelay=5min                    first retry after a failure (default 30 s, doubled)
//   MaxBackoffDelay=6h                   longest retry delay (default 5 h)
//   RequiresExternalPower=true           and RequiresNetworkConnectivity, RequiresBatteryNotLow:
//                                        true/false (also yes/no, on/off, 1/0)
//   NetworkType=unmetered                any | connected | unmetered
//   ProtectionTypeOfRequiredData=none    health-research only
#pragma once

#include "KeyFile.h"
#include "Manifest.h"
#include "ManifestParser.h"

#include <optional>
#include <string_view>
#include <vector>

namespace bgtask::core {

inline constexpr std::string_view kScheduleGroupPrefix = "Schedule ";

// True for a group header of the form "Schedule <anything>".
bool isScheduleGroup(std::string_view groupName);

struct ScheduleGroupResult {
    std::optional<ManifestSchedule> schedule;   // unset when an error rejects the group
    std::vector<ManifestProblem> errors;
    std::vector<ManifestProblem> warnings;      // unknown keys
};

// Reads the keys of one schedule group (its entries and repeated keys are picked out of file).
ScheduleGroupResult parseScheduleGroup(const KeyFileGroup& group, const KeyFile& file);

// The keys a [Schedule] group knows, for tools that suggest a near-miss key (bgtaskctl lint).
std::vector<std::string_view> scheduleKeys();

// Whether the manifest, with the schedule's identifier and kind added, lets the app submit the
// schedule's request (entitlements, options for the kind): the sentence of the first problem,
// nullopt when there is none.
std::optional<std::string> scheduleProblem(const Manifest& manifest, const ManifestSchedule& schedule);

} // namespace bgtask::core
