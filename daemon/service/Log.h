// SPDX-License-Identifier: LGPL-2.1-or-later
// One named spdlog logger per module ("service", "runs", "bus", "launch", …), all sharing the
// sink and pattern that app/Logging sets up.
#pragma once

#include <spdlog/spdlog.h>

#include <cstdint>
#include <memory>
#include <string_view>

namespace bgtask::service {

std::shared_ptr<spdlog::logger> logger(const char* name);

// The task a message is about, for structured logging (the journal's BGTASK_APP,
// BGTASK_IDENTIFIER, BGTASK_RUN_ID and BGTASK_OUTCOME fields). Sinks run in the logging thread,
// so a sink reads the fields of the TaskLogScope around the log call; empty values are left out.
// The scope keeps its own copy of the fields (callers pass a temporary); the strings they view
// must outlive the scope.
struct TaskLogFields {
    std::string_view app;
    std::string_view identifier;
    std::int64_t runId = 0;
    std::string_view outcome;
};

class TaskLogScope {
public:
    explicit TaskLogScope(const TaskLogFields& fields);
    ~TaskLogScope();
    TaskLogScope(const TaskLogScope&) = delete;
    TaskLogScope& operator=(const TaskLogScope&) = delete;

    // The fields of the innermost scope of this thread, or nullptr.
    static const TaskLogFields* current();

private:
    TaskLogFields fields_;
    const TaskLogFields* previous_;
};

} // namespace bgtask::service
