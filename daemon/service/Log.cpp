// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Log.h"

#include <spdlog/sinks/stdout_sinks.h>

namespace bgtask::service {

namespace {
thread_local const TaskLogFields* currentFields = nullptr;
}

TaskLogScope::TaskLogScope(const TaskLogFields& fields)
    : fields_(fields)
    , previous_(currentFields)
{
    currentFields = &fields_;
}

TaskLogScope::~TaskLogScope()
{
    currentFields = previous_;
}

const TaskLogFields* TaskLogScope::current()
{
    return currentFields;
}

std::shared_ptr<spdlog::logger> logger(const char* name)
{
    if (auto existing = spdlog::get(name))
        return existing;
    // Clone the default logger so every module shares its sink, level and pattern.
    auto created = spdlog::default_logger()->clone(name);
    spdlog::register_logger(created);
    return created;
}

} // namespace bgtask::service
