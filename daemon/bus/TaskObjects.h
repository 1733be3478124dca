// SPDX-License-Identifier: LGPL-2.1-or-later
// The org.bgtaskd.Task1 objects, one per delivered run at /org/bgtaskd/task/<run>. Owns them,
// with the progress and titles each shows. A finished run's object stays registered, one of the
// last kKeptFinished, so that a late call gets the documented NotFound (no-such-task, from the
// service) instead of the bus's UnknownObject; older ones are removed on a later loop turn,
// since a task usually ends inside its own SetTaskCompleted handler.
#pragma once

#include "core/Run.h"
#include "service/TaskService.h"

#include <cstddef>
#include <deque>
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
    // The run has ended: its object joins the finished ones (see above).
    void withdraw(std::int64_t runId);

    static constexpr std::size_t kKeptFinished = 256;

private:
    sdbus::IConnection& connection_;
    service::TaskService& service_;
    std::function<void(std::function<void()>)> defer_;
    std::map<std::int64_t, std::unique_ptr<TaskObject>> objects_;   // running
    std::deque<std::unique_ptr<TaskObject>> finished_;                // oldest first
};

} // namespace bgtask::bus
