// SPDX-License-Identifier: LGPL-2.1-or-later
#include "TaskKind.h"

namespace bgtask::core {

// The wire spellings are part of Scheduler1's contract (Submit's @kind) and of the store's
// schema, so they never change; new kinds only add names.
std::string_view toString(TaskKind kind)
{
    switch (kind) {
    case TaskKind::AppRefresh: return "app-refresh";
    case TaskKind::Processing: return "processing";
    case TaskKind::HealthResearch: return "health-research";
    case TaskKind::ContinuedProcessing: return "continued-processing";
    }
    return "unknown";
}

std::optional<TaskKind> parseTaskKind(std::string_view s)
{
    for (TaskKind kind : kAllTaskKinds) {
        if (toString(kind) == s)
            return kind;
    }
    return std::nullopt;
}

// Continued processing is started at once inside the submitting (foreground) process, so it
// never waits for the planner's conditions; the other three are deferred work.
bool isScheduledKind(TaskKind kind)
{
    return kind != TaskKind::ContinuedProcessing;
}

} // namespace bgtask::core
