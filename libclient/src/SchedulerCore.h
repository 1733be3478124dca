// SPDX-License-Identifier: LGPL-2.1-or-later
// Everything behind bgtask::Scheduler: the app's bus connection and the thread that runs it, the
// handler object, the Scheduler1 proxy, the registered launch handlers and the running tasks.
// Owns all of them; tasks refer back to it weakly.
//
// Locking: setupMutex_ serialises the one-time set-up (app id, connection, handler object, proxy),
// which ends by publishing ready_; after that those members never change and are read without
// the lock, so the loop thread (which runs while sdbus-c++ holds its own bus mutex) never waits
// for setupMutex_. mutex_ guards the handler and task tables and is never held during a D-Bus
// call, since a call made off the loop thread waits for the loop thread, which may need mutex_.
#pragma once

#include "HandlerObject.h"
#include "Proxies.h"
#include "TaskImpl.h"

#include <bgtask/Scheduler.h>

#include <sdbus-c++/IConnection.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace bgtask::detail {

class SchedulerCore final : public HandlerSink,
                            public TaskCompleter,
                            public std::enable_shared_from_this<SchedulerCore> {
public:
    SchedulerCore() = default;
    ~SchedulerCore();
    SchedulerCore(const SchedulerCore&) = delete;
    SchedulerCore& operator=(const SchedulerCore&) = delete;

    void setApplicationId(std::string appId, std::string busName);
    std::string applicationId() const;
    bool registerTask(std::string identifier, LaunchHandler handler);
    void submit(const TaskRequest& request);
    void cancel(const std::string& identifier);
    void cancelAll();
    std::vector<PendingTaskRequest> pendingTaskRequests();

    // Whether the calling thread is the one running the bus connection.
    bool isLoopThread() const;

    std::function<void()> onLaunch(LaunchCall call) override;
    std::function<void()> onExpire(const std::string& task, std::string reason) override;
    bool isFromScheduler(const std::string& sender) override;
    void completeTask(const std::string& path, bool success) noexcept override;

private:
    struct RunningTask {
        std::shared_ptr<Task> task;
        Task::Impl* impl = nullptr;
    };

    // The Scheduler1 proxy, setting the application id from $BGTASK_APP_ID when it is not set yet.
    SchedulerProxy& scheduler();
    void setApplicationIdLocked(std::string appId, std::string busName);
    void runLoop() noexcept;
    // On the loop thread: bgtaskd (re)started or stopped. Registrations end with bgtaskd's
    // connection, so a new bgtaskd gets them again.
    void onSchedulerOwnerChanged(const std::string& owner) noexcept;

    mutable std::mutex setupMutex_;
    std::string appId_;
    std::string busName_;
    std::unique_ptr<sdbus::IConnection> connection_;
    std::unique_ptr<HandlerObject> handlerObject_;
    std::unique_ptr<SchedulerProxy> schedulerProxy_;
    sdbus::Slot ownerWatch_;
    std::thread loopThread_;
    std::atomic<SchedulerProxy*> ready_{nullptr};  // set once, after everything above

    std::mutex mutex_;
    std::map<std::string, std::shared_ptr<const LaunchHandler>> handlers_;
    std::map<std::string, RunningTask> running_;
    std::string schedulerOwner_;
};

} // namespace bgtask::detail
