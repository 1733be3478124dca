// SPDX-License-Identifier: LGPL-2.1-or-later
// Wall-clock time as the core sees it: microseconds since the Unix epoch, passed in by callers.
// The core never reads a clock itself.
#pragma once

#include <chrono>
#include <cstdint>

namespace bgtask::core {

using Duration = std::chrono::microseconds;
using TimePoint = std::chrono::sys_time<Duration>;

inline std::int64_t toUsec(TimePoint t) { return t.time_since_epoch().count(); }
inline TimePoint fromUsec(std::int64_t usec) { return TimePoint{Duration{usec}}; }

} // namespace bgtask::core
