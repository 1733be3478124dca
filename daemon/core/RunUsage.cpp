// SPDX-License-Identifier: LGPL-2.1-or-later
#include "RunUsage.h"

#include <limits>

namespace bgtask::core {

std::optional<std::int64_t> accountingValue(std::uint64_t raw)
{
    if (raw > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        return std::nullopt;
    return static_cast<std::int64_t>(raw);
}

Duration budgetCharge(TimePoint startedAt, TimePoint endedAt, std::optional<std::int64_t> cpuNsec)
{
    if (cpuNsec && *cpuNsec >= 0)
        return std::chrono::duration_cast<Duration>(std::chrono::nanoseconds(*cpuNsec));
    return endedAt > startedAt ? endedAt - startedAt : Duration{};
}

} // namespace bgtask::core
