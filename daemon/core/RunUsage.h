// SPDX-License-Identifier: LGPL-2.1-or-later
// What a run used, as far as its launch target could measure it (a systemd unit's accounting;
// nothing for a process bgtaskd cannot account), and what the budget charges for it. Pure: the
// values come in from the target, the charge goes out to the usage ledger and the store.
#pragma once

#include "Time.h"

#include <cstdint>
#include <optional>
#include <string>

namespace bgtask::core {

struct RunUsage {
    std::optional<std::int64_t> cpuNsec;        // CPU time (user + system) in nanoseconds
    std::optional<std::int64_t> memoryPeakBytes;// the highest memory use seen
    std::optional<std::int64_t> ioReadBytes;
    std::optional<std::int64_t> ioWriteBytes;
    std::string endCause;                       // why it ended abnormally, as the manager saw it
                                                // ("oom-kill", "signal", "core-dump", …); "" if normal

    bool operator==(const RunUsage&) const = default;
};

// systemd's "[not set]" (UINT64_MAX) and anything beyond what a signed column holds are
// unknown; everything else is the value.
std::optional<std::int64_t> accountingValue(std::uint64_t raw);

// What one run used of a unit that other runs share (an app in its transient unit that gets a
// second task while the first runs): the unit's counters at the run's end less what they were at
// its start, for CPU time and IO (unknown where either reading is, never negative), and the
// unit's peak memory up to the run's end (a peak cannot be split between runs: it is an upper
// bound of the run's). The end cause is the end's.
RunUsage usageSince(const RunUsage& atEnd, const RunUsage& atStart);

// What a finished run costs its app's daily budget: the CPU time it used where that is known
// (a run in a unit), else the time from its start to its end. Never negative.
Duration budgetCharge(TimePoint startedAt, TimePoint endedAt, std::optional<std::int64_t> cpuNsec);

} // namespace bgtask::core
