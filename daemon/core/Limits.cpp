// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Limits.h"

namespace bgtask::core {

// Health research is a processing task for the planner, but keeps its own limit so a study
// app can be given a different budget. Continued processing has no fixed limit: Apple bounds
// it by progress, not by the clock.
std::optional<Duration> Limits::timeLimit(TaskKind kind) const
{
    switch (kind) {
    case TaskKind::AppRefresh: return appRefreshTimeLimit;
    case TaskKind::Processing: return processingTimeLimit;
    case TaskKind::HealthResearch: return healthResearchTimeLimit;
    case TaskKind::ContinuedProcessing: return std::nullopt;
    }
    return std::nullopt;
}

} // namespace bgtask::core
