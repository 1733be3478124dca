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

namespace {

std::optional<std::int64_t> difference(std::optional<std::int64_t> end, std::optional<std::int64_t> start)
{
    if (!end || !start)
        return std::nullopt;
    return *end > *start ? *end - *start : 0;
}

} // namespace

RunUsage usageSince(const RunUsage& atEnd, const RunUsage& atStart)
{
    RunUsage usage = atEnd;
    usage.cpuNsec = difference(atEnd.cpuNsec, atStart.cpuNsec);
    usage.ioReadBytes = difference(atEnd.ioReadBytes, atStart.ioReadBytes);
    usage.ioWriteBytes = difference(atEnd.ioWriteBytes, atStart.ioWriteBytes);
    return usage;
}

Duration budgetCharge(TimePoint startedAt, TimePoint endedAt, std::optional<std::int64_t> cpuNsec)
{
    if (cpuNsec && *cpuNsec >= 0)
        return std::chrono::duration_cast<Duration>(std::chrono::nanoseconds(*cpuNsec));
    return endedAt > startedAt ? endedAt - startedAt : Duration{};
}

} // namespace bgtask::core
