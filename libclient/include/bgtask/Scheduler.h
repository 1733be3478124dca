// SPDX-License-Identifier: LGPL-2.1-or-later
// The app-facing scheduler, after Apple's BGTaskScheduler: register launch handlers, submit,
// cancel and list task requests. One per process (Scheduler::shared()); it talks to bgtaskd over
// its own bus connection, which owns the app's bus name and serves org.bgtaskd.Handler1.
//
// Threading: the connection runs on a thread of the library's own. Launch handlers and expiration
// handlers are called on that thread, one at a time: start the work (on a thread or queue of the
// app's) and return promptly, because while a handler runs no other message is processed, and a
// call made from another thread (setTaskCompleted(), submit(), …) waits for that thread. Every
// method of Scheduler and Task may be called from any thread, including from inside the handlers.
//
// Bus: the session bus, or the system bus when BGTASK_BUS=system (or when the process was
// activated by the system bus and BGTASK_BUS is unset).
#pragma once

#include <bgtask/Export.h>
#include <bgtask/SchedulerError.h>
#include <bgtask/Task.h>
#include <bgtask/TaskRequest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace bgtask {

using LaunchHandler = std::function<void(std::shared_ptr<Task>)>;

namespace detail {
class SchedulerCore;
}

class BGTASK_EXPORT Scheduler {
public:
    // The process-wide scheduler. Connecting to the bus happens on first use, not here.
    static Scheduler& shared();

    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    // Makes this process the app: exports the handler object, then requests the app's bus name
    // (busName, by default the app id), so a launch never reaches a process that cannot take it.
    // Call it once, early, before registerTask(). When it is never called, the first call that
    // needs it uses $BGTASK_APP_ID, or throws SchedulerError(Unavailable, "no-application-id").
    // Throws SchedulerError: Unavailable "name-taken" when another process owns the name,
    // NoScheduler "no-scheduler" without a bus, InvalidArgument when a different id is already set.
    void setApplicationId(std::string appId);
    void setApplicationId(std::string appId, std::string busName);
    // Empty until the application id is set.
    std::string applicationId() const;

    // Declares the launch handler for a permitted identifier; call it for every identifier before
    // the app's start-up is over (the scheduler waits for it after launching the app). Returns
    // false when the app's manifest does not permit the identifier. Registering an identifier
    // twice throws SchedulerError(InvalidArgument, "already-registered") (Apple's app would crash).
    // Throws SchedulerError(NoScheduler, "no-scheduler") when bgtaskd cannot be reached. If
    // bgtaskd restarts, the library registers every handler again by itself.
    bool registerTask(std::string identifier, LaunchHandler handler);

    // Submits a request, replacing a pending one with the same identifier. Returns once the
    // scheduler has stored it. Throws SchedulerError (TooManyPendingTaskRequests, NotPermitted, …).
    void submit(const TaskRequest& request);

    // Removes the app's pending request with this identifier; unknown identifiers are no error.
    void cancel(const std::string& identifier);
    // Removes every pending request of the app.
    void cancelAll();
    // Copies of the app's pending requests, in submission order. Requests of a kind this library
    // does not know are left out.
    std::vector<PendingTaskRequest> pendingTaskRequests();

private:
    Scheduler();
    ~Scheduler();

    std::shared_ptr<detail::SchedulerCore> core_;
};

} // namespace bgtask
