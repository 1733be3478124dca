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

// t + d, clamped to the representable moments instead of overflowing: an app may give any
// date up to the last microsecond of 294,247 AD (EarliestBeginDate), and delays are added to it.
inline TimePoint addClamped(TimePoint t, Duration d)
{
    Duration::rep sum = 0;
    if (__builtin_add_overflow(t.time_since_epoch().count(), d.count(), &sum))
        return d.count() > 0 ? TimePoint::max() : TimePoint::min();
    return TimePoint{Duration{sum}};
}

} // namespace bgtask::core
