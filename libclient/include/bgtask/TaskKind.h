// SPDX-License-Identifier: LGPL-2.1-or-later
// The four kinds of background work, after Apple's request and task subclasses, and their
// spellings on the bus ("app-refresh", "processing", "health-research", "continued-processing").
#pragma once

#include <bgtask/Export.h>

#include <optional>
#include <string_view>

namespace bgtask {

enum class TaskKind {
    AppRefresh,           // BGAppRefreshTask: short refresh, about 30 s
    Processing,           // BGProcessingTask: deferrable maintenance, minutes
    HealthResearch,       // BGHealthResearchTask: processing gated on protected data
    ContinuedProcessing,  // BGContinuedProcessingTask: user-started work with progress
};

// "app-refresh" and so on.
BGTASK_EXPORT std::string_view toString(TaskKind kind) noexcept;
// The inverse of toString(TaskKind); nullopt for a spelling this library does not know.
BGTASK_EXPORT std::optional<TaskKind> taskKindFromString(std::string_view name) noexcept;

} // namespace bgtask
