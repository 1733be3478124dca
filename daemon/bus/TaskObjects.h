// SPDX-License-Identifier: LGPL-2.1-or-later
// The org.bgtaskd.Task1 objects, one per delivered run at /org/bgtaskd/task/<run>. Owns them,
// with the progress and titles each shows; removal is deferred to the next loop turn because a
// task usually ends inside its own SetTaskCompleted handler.
#pragma once

#include "core/Run.h"
#include "service/TaskService.h"

#include <functional>
#include <map>
#include <memory>
#include <vector>

namespace sdbus {
class IConnection;
}

namespace bgtask::bus {

class TaskObject;

class TaskObjects {
public:
    TaskObjects(sdbus::IConnection& connection, service::TaskService& service,
                std::function<void(std::function<void()>)> defer);
    ~TaskObjects();

    // Title and Subtitle start from the request's options, the counts at 0.
    void publish(const core::RunningTask& run);
    // New progress or titles of a published run; PropertiesChanged names only what changed.
    void update(std::int64_t runId, const service::TaskProgress& progress);
    void withdraw(std::int64_t runId);

private:
    sdbus::IConnection& connection_;
    service::TaskService& service_;
    std::function<void(std::function<void()>)> defer_;
    std::map<std::int64_t, std::unique_ptr<TaskObject>> objects_;
};

} // namespace bgtask::bus
