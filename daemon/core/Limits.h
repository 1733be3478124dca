// SPDX-License-Identifier: LGPL-2.1-or-later
// The numbers that bound what apps may do: quotas, time limits, grace and launch window.
// Defaults follow Apple; the daemon's config file may change them.
#pragma once

#include "TaskKind.h"
#include "Time.h"

#include <chrono>
#include <cstddef>
#include <optional>

namespace bgtask::core {

struct Limits {
    std::size_t maxPendingAppRefresh = 1;
    std::size_t maxPendingProcessing = 10;   // processing and health-research together
    Duration appRefreshTimeLimit = std::chrono::seconds(30);
    Duration processingTimeLimit = std::chrono::minutes(10);
    Duration healthResearchTimeLimit = std::chrono::minutes(10);
    Duration gracePeriod = std::chrono::seconds(5);     // after Expire, before termination
    Duration launchWindow = std::chrono::seconds(15);   // activation + Register + Launch reply
    // Continued processing that reports no progress (no UpdateProgress call that raises the
    // completed or total unit count) for this long is expired with reason "stalled".
    Duration stallTimeout = std::chrono::seconds(60);

    // nullopt: the kind has no time limit (continued processing, while progressing).
    std::optional<Duration> timeLimit(TaskKind kind) const;
};

} // namespace bgtask::core
