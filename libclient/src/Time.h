// SPDX-License-Identifier: LGPL-2.1-or-later
// Time on the wire: int64 microseconds since the Unix epoch, 0 meaning "none".
#pragma once

#include <bgtask/TaskRequest.h>

#include <chrono>
#include <cstdint>
#include <optional>

namespace bgtask::detail {

inline std::int64_t toMicros(TimePoint time)
{
    return std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
}

inline TimePoint fromMicros(std::int64_t micros)
{
    return TimePoint(std::chrono::duration_cast<Clock::duration>(std::chrono::microseconds(micros)));
}

// 0 (or a negative value, which no scheduler sends) means "none".
inline std::optional<TimePoint> optionalFromMicros(std::int64_t micros)
{
    if (micros <= 0)
        return std::nullopt;
    return fromMicros(micros);
}

} // namespace bgtask::detail
