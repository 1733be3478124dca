// SPDX-License-Identifier: LGPL-2.1-or-later
// Everything behind bgtask::Scheduler: the app's bus connection and whatever runs it (a thread of
// the library's own, the app's loop through ExternalLoop, or the app's own sdbus-c++ connection),
// the handler object, the Scheduler1 proxies, the registered launch handlers, the running tasks and
// the progress flusher. Owns all of them (the connection jointly with the app when it is the app's);
// tasks refer back to it weakly.
//
// Locking: setupMutex_ serialises the one-time set-up (loop mode, app id, connection, handler
// object, proxies), which ends by publishing ready_; after that those members never change and are
// read without the lock, so the loop thread (which runs while sdbus-c++ holds its own bus mutex)
// never waits for setupMutex_. mutex_ guards the handler and task tables and is never held during a
// D-Bus call, since a call made off the loop thread may wait for the loop thread, which may need
// mutex_.
//
// The implementation is split by concern: SchedulerCore.cpp (set-up, event loops, the bus owner),
// SchedulerCalls.cpp (what apps call), SchedulerTasks.cpp (launches, expirations, completion,
// progress on the bus).
#pragma once

#include "ExternalLoop.h"
#include "HandlerObject.h"
#include "ProgressFlusher.h"
#include "Proxies.h"
#include "TaskImpl.h"

#include <bgtask/Scheduler.h>

#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/IProxy.h>

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
                            public ProgressSender,
                            public std::enable_shared_from_this<SchedulerCore> {
public:
    SchedulerCore();
    ~SchedulerCore();
    SchedulerCore(const SchedulerCore&) = delete;
    SchedulerCore& operator=(const SchedulerCore&) = delete;

    // Event loops and connections.
    int useExternalEventLoop();
    int eventFd() const noexcept;
    void process() noexcept;
    void useConnection(std::shared_ptr<sdbus::IConnection> connection);
    // Whether the calling thread runs the bus connection right now (the library's thread, inside
    // process(), or inside one of the library's callbacks on the app's connection).
    bool isLoopThread() const;

    void setApplicationId(std::string appId, std::string busName);
    std::string applicationId() const;

    bool registerTask(std::string identifier, LaunchHandler handler);
    bool registerContinuedProcessingTask(std::string identifier, ContinuedProcessingLaunchHandler handler);
    void launchFinished() noexcept { launchFinished_.store(true); }
    bool isLaunchFinished() const noexcept { return launchFinished_.load(); }

    void submit(const TaskRequest& request);
    void submit(const TaskRequest& request, Completion completion);
    // submit() with more options (the periodic and retry keys of RequestCodec.h).
    void submit(const TaskRequest& request, const VariantMap& moreOptions);
    void cancel(const std::string& identifier);
    void cancel(const std::string& identifier, Completion completion);
    void cancelAll();
    void cancelAll(Completion completion);
    std::vector<PendingTaskRequest> pendingTaskRequests();
    void pendingTaskRequests(PendingTaskRequestsCompletion completion);
    Resources supportedResources() noexcept;
    BackgroundRefreshStatus backgroundRefreshStatus() noexcept;
    void setBackgroundRefreshStatusHandler(BackgroundRefreshStatusHandler handler);

    // HandlerSink
    std::function<void()> onLaunch(LaunchCall call) override;
    std::function<void()> onExpire(const std::string& task, std::string reason) override;
    bool isFromScheduler(const std::string& sender) override;
    // TaskCompleter
    void completeTask(const std::string& path, bool success) noexcept override;
    void forgetTask(const std::string& path) noexcept override;
    void saveCheckpoint(const std::string& path, std::span<const std::uint8_t> data) override;
    // ProgressSender
    void sendProgress(const std::string& path, const ProgressValue& value, Report report) noexcept override;
    void sendTitle(const std::string& path, const TitleValue& value, Report report) noexcept override;

private:
    enum class LoopMode { OwnThread, External, Shared };

    struct Registration {
        LaunchHandler handler;                             // set by registerTask()
        ContinuedProcessingLaunchHandler continuedHandler;  // set by registerContinuedProcessingTask()
    };
    struct RunningTask {
        std::shared_ptr<Task> task;
        Task::Impl* impl = nullptr;
    };

    // ---- SchedulerCore.cpp
    // Sets the app up from $BGTASK_APP_ID when nothing set it up yet; throws otherwise.
    void ensureReady();
    void setApplicationIdLocked(std::string appId, std::string busName);
    void requestName(sdbus::IConnection& connection, const std::string& busName);
    void startLoop();
    void runLoop() noexcept;
    // Makes the app's loop look at the bus again after a call made outside process().
    void wake() noexcept;
    // Runs a synchronous bus call: sdbus::Error becomes SchedulerError, and the loop is woken.
    template <typename F>
    decltype(auto) call(F&& f);
    // On the loop thread: bgtaskd (re)started or stopped. Registrations end with bgtaskd's
    // connection, so a new bgtaskd gets them again.
    void onSchedulerOwnerChanged(const std::string& owner) noexcept;

    // ---- SchedulerTasks.cpp
    // The proxy of a running continued task's object, for progress; null once the task ended.
    std::shared_ptr<sdbus::IProxy> taskProxy(const std::string& path);
    void reportOutcome(const char* what, const std::string& path, const sdbus::Error* error,
                       const Report& report) noexcept;

    // ---- SchedulerCalls.cpp
    bool addRegistration(std::string identifier, Registration registration);
    void rememberTitle(const TaskRequest& request);
    // Sends method asynchronously with the arguments fill(sdbus::MethodCall&) appends (defined
    // in SchedulerCalls.cpp, its only user).
    template <typename Fill>
    void sendAsync(const char* method, Completion completion, const Fill& fill);
    // On the loop thread: Manager1.PolicyChanged for this app.
    void onPolicyChanged(sdbus::Message& message) noexcept;

    mutable std::mutex setupMutex_;
    LoopMode mode_ = LoopMode::OwnThread;
    std::unique_ptr<ExternalLoop> external_;
    std::shared_ptr<sdbus::IConnection> connection_;
    std::string appId_;
    std::string busName_;
    std::unique_ptr<HandlerObject> handlerObject_;
    std::unique_ptr<SchedulerProxy> schedulerProxy_;
    std::unique_ptr<sdbus::IProxy> rawProxy_;  // asynchronous calls, and members the generated glue lacks
    sdbus::Slot ownerWatch_;
    std::thread loopThread_;
    std::atomic<bool> ready_{false};  // set once, after everything above
    std::shared_ptr<ProgressFlusher> flusher_;

    std::atomic<bool> launchFinished_{false};
    std::atomic<bool> resourcesUnsupported_{false};
    std::atomic<bool> refreshStatusUnsupported_{false};

    std::mutex mutex_;
    std::map<std::string, std::shared_ptr<const Registration>> handlers_;
    std::map<std::string, RunningTask> running_;
    // Titles of continued-processing requests this process submitted, until their launch.
    std::map<std::string, TitleValue> submittedTitles_;
    // One proxy per running continued task, so that progress goes out asynchronously (the
    // flusher must never wait for the bus thread) and its replies still find their proxy.
    std::map<std::string, std::shared_ptr<sdbus::IProxy>> taskProxies_;
    std::string schedulerOwner_;
    // The refresh status handler, the status it was last told (or that was current when it was
    // set), and the match on Manager1.PolicyChanged, made when the first handler is set.
    BackgroundRefreshStatusHandler refreshHandler_;
    std::optional<BackgroundRefreshStatus> lastRefreshStatus_;
    sdbus::Slot policyWatch_;
};

} // namespace bgtask::detail

#include "ErrorTranslation.h"

namespace bgtask::detail {

template <typename F>
decltype(auto) SchedulerCore::call(F&& f)
{
    struct Waker {
        SchedulerCore& core;
        ~Waker() { core.wake(); }
    } waker{*this};
    return translatingErrors(std::forward<F>(f));
}

} // namespace bgtask::detail
