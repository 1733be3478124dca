// SPDX-License-Identifier: LGPL-2.1-or-later
// Times as bgtaskctl prints and reads them: relative ("in 4 s", "3 min ago") for people,
// ISO 8601 UTC for --json, and the --since argument (seconds ago, "90m", "2h", or an ISO date).
// Pure functions of their arguments; "now" is always passed in.
#pragma once

#include <bgtask/TaskRequest.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace bgtaskctl {

using bgtask::TimePoint;

// "now", "in 4 s", "in 3 min 5 s", "12 min ago", "in 1 h 59 min", "7 h ago", "in 1 d 2 h",
// "5 d ago", "in 2 w 3 d": systemctl's steps, each unit truncated.
std::string relativeTime(TimePoint time, TimePoint now);
// "0.4 s", "12 s", "3 min 5 s", "2 h 10 min".
std::string duration(std::chrono::microseconds length);
// "2024-05-01T08:00:00.123456Z".
std::string isoTime(TimePoint time);
// A --since argument: "3600" (seconds ago), "90s", "15m"/"15min", "2h", "1d", or an ISO date or
// date-time ("2024-05-01", "2024-05-01T08:00", "2024-05-01 08:00:30", local time unless it ends
// in "Z"). nullopt when it is none of these.
std::optional<TimePoint> parseSince(std::string_view text, TimePoint now);
// A --timeout argument: "5" (seconds), "500ms", "5s", "2min"; more than zero. nullopt otherwise.
std::optional<std::chrono::milliseconds> parseTimeout(std::string_view text);

} // namespace bgtaskctl
