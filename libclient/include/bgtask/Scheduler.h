// SPDX-License-Identifier: LGPL-2.1-or-later
// The app-facing scheduler, after Apple's BGTaskScheduler: register launch handlers, submit,
// cancel and list task requests. One per process (Scheduler::shared()); it talks to bgtaskd over a
// bus connection that owns the app's bus name and serves org.bgtaskd.Handler1 for it.
//
// Event loops. By default the connection runs on a thread of the library's own, and launch
// handlers, expiration handlers and asynchronous completions are called on that thread, one at a
// time. An app with an event loop of its own can call useExternalEventLoop() first: the library then
// has no thread, the app watches eventFd() and calls process(), and every callback runs inside
// process() on the app's loop thread. An app that already uses sdbus-c++ can hand the library its
// connection instead (<bgtask/SdbusConnection.h>); callbacks then run wherever it runs that
// connection. Whatever the loop, handlers should start the work elsewhere and return promptly:
// while one runs, no other message is processed.
//
// Threads. Every method of Scheduler, Task and Progress may be called from any thread, including
// from inside the handlers. Synchronous calls made from other threads wait for their reply.
//
// Bus: the session bus, or the system bus when BGTASK_BUS=system (or when the process was
// activated by the system bus and BGTASK_BUS is unset).
#pragma once

#include <bgtask/Export.h>
#include <bgtask/SchedulerError.h>
#include <bgtask/Task.h>
#include <bgtask/TaskRequest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bgtask {

// Called with each launched task of a registered identifier.
using LaunchHandler = std::function<void(std::shared_ptr<Task>)>;
// The same for a continued-processing identifier, with the task's full type.
using ContinuedProcessingLaunchHandler = std::function<void(std::shared_ptr<ContinuedProcessingTask>)>;
// Called once an asynchronous call is answered: nullopt on success, else the error.
using Completion = std::function<void(std::optional<SchedulerError> error)>;
// Called with the pending requests (empty on error) once the scheduler has answered.
using PendingTaskRequestsCompletion =
    std::function<void(std::vector<PendingTaskRequest> requests, std::optional<SchedulerError> error)>;

// Whether the scheduler launches this app's background work (UIApplication.backgroundRefreshStatus;
// the same raw values as Apple's).
enum class BackgroundRefreshStatus {
    Restricted = 0,  // background work is off by policy; the user cannot turn it on
    Denied = 1,      // the user turned background work off, for this app or altogether
    Available = 2,   // background work may run
};
// Told the app's new background refresh status (backgroundRefreshStatusDidChangeNotification).
using BackgroundRefreshStatusHandler = std::function<void(BackgroundRefreshStatus status)>;

namespace detail {
class SchedulerCore;
}

class BGTASK_EXPORT Scheduler {
public:
    // The process-wide scheduler (BGTaskScheduler.shared). Connecting to the bus happens on first
    // use, not here.
    static Scheduler& shared();

    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    // ---- Identity ---------------------------------------------------------------------------------

    // Makes this process the app: connects, exports the handler object, then requests the app's bus
    // name (busName, by default the app id; the manifest's BusName= when it names another), so an
    // activation by bgtaskd never reaches a process that cannot take the launch. On a connection
    // handed over with useSdbusConnection() that already owns the name, the name is shared, not
    // requested. Call it once, early, before registerTask(). When it is never called, the first call
    // that needs it uses $BGTASK_APP_ID, or throws SchedulerError(Unavailable, "no-application-id").
    // Throws SchedulerError: Unavailable "name-taken" when another process owns the name,
    // NoScheduler "no-scheduler" without a bus, InvalidArgument "application-id-already-set" when
    // a different id is already set, InvalidArgument "bad-application-id" for an invalid name.
    void setApplicationId(std::string appId);
    void setApplicationId(std::string appId, std::string busName);
    // Empty until the application id is set.
    std::string applicationId() const;

    // ---- Launch handlers ------------------------------------------------------------------------

    // Declares the launch handler for a permitted identifier
    // (register(forTaskWithIdentifier:using:launchHandler:)). Returns false when the app's manifest
    // does not permit the identifier. Apple's timing rule holds: register every refresh, processing
    // and health-research handler while the app starts, before launchFinished(); afterwards this
    // throws SchedulerError(InvalidArgument, "registration-closed") (Apple's app would crash).
    // Registering an identifier twice throws SchedulerError(InvalidArgument, "already-registered").
    // Throws SchedulerError(NoScheduler, "no-scheduler") when bgtaskd cannot be reached. Handlers
    // cannot be unregistered; if bgtaskd restarts, the library registers them again by itself.
    // A continued-processing task for an identifier registered here arrives as a Task that is a
    // ContinuedProcessingTask.
    bool registerTask(std::string identifier, LaunchHandler handler);

    // Declares the handler of a continued-processing identifier, typically a fresh
    // "<prefix>.<unique suffix>" matching a "<prefix>.*" entry of the manifest, right before
    // submitting it. Allowed at any time, also after launchFinished() (Apple's iOS 26 exception).
    // Otherwise as registerTask(). A launch of another kind for this identifier is refused.
    bool registerContinuedProcessingTask(std::string identifier, ContinuedProcessingLaunchHandler handler);

    // Tells the library that the app has finished launching (the end of Apple's
    // application(_:didFinishLaunchingWithOptions:)). From now on registerTask() throws
    // "registration-closed"; registerContinuedProcessingTask() stays allowed. Optional: an app
    // that never calls it may register at any time. Idempotent.
    void launchFinished() noexcept;
    bool isLaunchFinished() const noexcept;

    // ---- Requests -----------------------------------------------------------------------------------

    // Submits a request, replacing a pending one with the same identifier. Returns once the
    // scheduler has stored it. Throws SchedulerError with Apple's code where Apple has one and the
    // scheduler's sub-reason: TooManyPendingTaskRequests "quota", NotPermitted "not-in-manifest",
    // "kind-not-permitted", "entitlement-missing", "no-handler" (continued processing needs a
    // registered handler), ImmediateRunIneligible "cannot-start-now" (continued processing with
    // SubmissionStrategy::Fail), InvalidArgument for a malformed request, NoScheduler.
    void submit(const TaskRequest& request);
    // The same, asynchronously (submitTaskRequest(_:completionHandler:)): returns at once and calls
    // completion with the outcome on the thread that runs the bus connection. Errors the library
    // finds before anything is sent (no application id, no bus) are thrown here instead.
    void submit(const TaskRequest& request, Completion completion);

    // Periodic work (WorkManager's PeriodicWorkRequest): submits the request, and bgtaskd submits it
    // again after each run by itself, so exactly one stays pending even when the app never runs
    // again. The next run is due `interval` (1 min to 366 days) after the end of the last
    // successful run, or up to `flex` (0 to less than interval) earlier, when its conditions
    // allow; a run that did not succeed is retried with `backoff` instead. A request whose
    // interval passed while the machine was off is due at once. The request's earliestBeginDate
    // delays the first run only. Calling it again at every start of the app is the intended use:
    // the schedule keeps its clock (last success, failures). cancel() ends it; submit() of the
    // identifier without repetition replaces it. App refresh, processing and health research only
    // (InvalidArgument "option-not-applicable" for continued processing, "out-of-range" for an
    // interval, flex or backoff out of bounds); otherwise throws what submit() throws.
    void schedulePeriodic(const TaskRequest& request, std::chrono::microseconds interval,
                          std::chrono::microseconds flex = {}, const Backoff& backoff = {});
    // Work retried until it succeeds (WorkManager's Result.retry()): submits the request; after a
    // run that did not succeed, bgtaskd submits it again with `backoff`; after a successful one it
    // is done. Scheduled kinds only; throws what schedulePeriodic() throws.
    void submitWithRetry(const TaskRequest& request, const Backoff& backoff = {});

    // Removes the app's pending request with this identifier; unknown identifiers are no error.
    void cancel(const std::string& identifier);
    void cancel(const std::string& identifier, Completion completion);
    // Removes every pending request of the app.
    void cancelAll();
    void cancelAll(Completion completion);

    // Copies of the app's pending requests, in submission order; changing one means submitting it
    // again. Requests of a kind this library does not know are left out.
    std::vector<PendingTaskRequest> pendingTaskRequests();
    // The same, asynchronously (getPendingTaskRequests(completionHandler:)).
    void pendingTaskRequests(PendingTaskRequestsCompletion completion);

    // ---- What the scheduler offers ---------------------------------------------------------------------

    // The optional resources continued-processing requests may ask for on this machine
    // (BGTaskScheduler.supportedResources). Check it before setting requiredResources. Never
    // throws: Resources::Default (the empty set) when the scheduler cannot tell, because it is too
    // old to report resources or cannot be reached.
    Resources supportedResources() noexcept;

    // Whether this app's background work may run at all (the user or the administrator may have
    // turned it off). Never throws: Available unless the scheduler says otherwise, so also when it
    // is too old to report the status or cannot be reached (submit() reports those).
    BackgroundRefreshStatus backgroundRefreshStatus() noexcept;
    // Calls handler with the new status whenever this app's background refresh status changes
    // (the user or the administrator switched Background App Refresh), where launch handlers
    // run; UIApplication.backgroundRefreshStatusDidChangeNotification. A later call replaces
    // the handler; an empty one stops the calls. Sets the app up like submit() and throws what
    // it throws.
    void setBackgroundRefreshStatusHandler(BackgroundRefreshStatusHandler handler);

    // ---- Event loop integration ------------------------------------------------------------------------

    // Runs the library on the app's event loop instead of a thread of its own. Call it before
    // anything connects (setApplicationId(), registerTask(), submit(), …). Then watch eventFd() for
    // readability (POLLIN, EPOLLIN, G_IO_IN, QSocketNotifier::Read) and call process() whenever it
    // is readable; the fd becomes readable for everything the library must do (incoming launches,
    // replies, the bus's timeouts, work queued by other threads), so no timeout is needed. Returns
    // eventFd(). Throws SchedulerError(InvalidArgument, "already-connected") after the connection
    // exists, or (Internal) when the fd cannot be created.
    int useExternalEventLoop();
    // The descriptor to watch after useExternalEventLoop(); stays the same for the life of the
    // process. -1 in the other modes.
    int eventFd() const noexcept;
    // Does everything pending without blocking: runs launch and expiration handlers and
    // asynchronous completions on the calling thread, sends what is queued. Call it from the app's
    // loop thread whenever eventFd() is readable. Never throws; a call from inside a handler, or in
    // another mode, does nothing. If the bus connection is lost, it says so on stderr once and stops
    // watching the bus; later calls then fail with NoScheduler.
    void process() noexcept;

private:
    Scheduler();
    ~Scheduler();

    friend class SchedulerAccess;  // library-internal: useSdbusConnection() reaches the core through it
    std::shared_ptr<detail::SchedulerCore> core_;
};

} // namespace bgtask
