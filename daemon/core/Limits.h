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

// Scheduler1.Register: at most kMaxRegisterIdentifiers identifiers in one call and
// kMaxHandlersPerConnection registered by one connection in all (InvalidArgument,
// "too-many-identifiers"); a wildcard in the manifest would otherwise let an app grow the
// registry without end.
inline constexpr std::size_t kMaxRegisterIdentifiers = 1024;
inline constexpr std::size_t kMaxHandlersPerConnection = 4096;

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
