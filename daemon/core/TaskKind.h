// SPDX-License-Identifier: LGPL-2.1-or-later
// The four task kinds and their wire spellings.
#pragma once

#include <optional>
#include <string_view>

namespace bgtask::core {

enum class TaskKind { AppRefresh, Processing, HealthResearch, ContinuedProcessing };

inline constexpr TaskKind kAllTaskKinds[] = {TaskKind::AppRefresh, TaskKind::Processing,
                                             TaskKind::HealthResearch, TaskKind::ContinuedProcessing};

std::string_view toString(TaskKind kind);                 // "app-refresh", …
std::optional<TaskKind> parseTaskKind(std::string_view);  // inverse; nullopt when unknown
// app-refresh, processing and health-research wait to be scheduled; continued processing
// starts at once in the submitting process.
bool isScheduledKind(TaskKind kind);

} // namespace bgtask::core
