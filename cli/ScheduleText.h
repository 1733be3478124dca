// SPDX-License-Identifier: LGPL-2.1-or-later
// How bgtaskctl shows schedules: the interval in words, a one-line summary for tables, the
// sentences `explain` prints, and the JSON object of `list --json`, `explain --json` and
// `apps --json`. Pure functions of their arguments; "now" is passed in.
#pragma once

#include "Output.h"

#include <bgtask/Manager.h>

#include <chrono>
#include <string>

namespace bgtaskctl {

// "12 h", "1 d 6 h", "1 w", "1 min 30 s": at most two units, largest first.
std::string spanText(std::chrono::microseconds span);
// "every 12 h", "every 1 d, flex 2 h, randomized 30 min", "retried until it succeeds".
std::string scheduleSummary(const bgtask::ScheduleRecord& schedule);
// The lines `explain` prints for a schedule, each ending in a newline:
//   scheduled every 12 h (from the app's manifest)
//   next run: not before 2026-12-06 16:00:00 (in 11 h), 12 h after the last success at … (1 h ago)
//   failures: 2 since the last success, retrying with backoff (30 s, doubling up to 5 h)
std::string scheduleExplanation(const bgtask::ScheduleRecord& schedule, bgtask::TimePoint now);
// A time in the local time zone to the second: "2026-12-06 16:00:00".
std::string localTime(bgtask::TimePoint time);
// The schedule as a JSON object (durations in microseconds, times ISO 8601), as a value.
void writeSchedule(JsonWriter& json, const bgtask::ScheduleRecord& schedule);

} // namespace bgtaskctl
