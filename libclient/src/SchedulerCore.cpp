// SPDX-License-Identifier: LGPL-2.1-or-later
#include "SchedulerCore.h"

#include "BusConnection.h"
#include "ErrorTranslation.h"
#include "RequestCodec.h"

#include <bgtask-api/Names.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>

namespace bgtask::detail {
namespace {

using Code = SchedulerError::Code;

bool isNameTaken(const sdbus::Error& e)
{
    // sd_bus_request_name() fails with EEXIST when another connection owns the name.
    return e.getName() == "org.freedesktop.DBus.Error.FileExists" || e.getName() == "System.Error.EEXIST";
}

void warn(const char* what, const std::string& subject, const char* reason)
{
    std::fprintf(stderr, "libbgtask: Failed to %s %s: %s\n", what, subject.c_str(), reason);
}

} // namespace

SchedulerCore::~SchedulerCore()
{
    if (loopThread_.joinable()) {
        try {
            connection_->leaveEventLoop();
            loopThread_.join();
        } catch (const std::exception& e) {
            std::fprintf(stderr, "libbgtask: Failed to stop the bus thread: %s\n", e.what());
            loopThread_.detach();
        }
    }
}

void SchedulerCore::setApplicationId(std::string appId, std::string busName)
{
    std::lock_guard setup(setupMutex_);
    setApplicationIdLocked(std::move(appId), std::move(busName));
}

void SchedulerCore::setApplicationIdLocked(std::string appId, std::string busName)
{
    if (appId.empty())
        throw SchedulerError(Code::InvalidArgument, "bad-application-id", "the application id is empty");
    if (busName.empty())
        busName = appId;
    if (schedulerProxy_) {
        if (appId == appId_ && busName == busName_)
            return;
        throw SchedulerError(Code::InvalidArgument, "application-id-already-set",
                             "this process is already the app " + appId_ + " (bus name " + busName_ + ")");
    }

    auto connection = openConnection(busFromEnvironment());
    // Export the handler before owning the name: once the name is ours, bgtaskd may call it.
    auto handler = translatingErrors([&] { return std::make_unique<HandlerObject>(*connection, *this); });
    try {
        connection->requestName(busName);
    } catch (const sdbus::Error& e) {
        if (isNameTaken(e))
            throw SchedulerError(Code::Unavailable, "name-taken",
                                 "the bus name " + busName + " is owned by another process");
        if (e.getName() == "org.freedesktop.DBus.Error.InvalidArgs")
            throw SchedulerError(Code::InvalidArgument, "bad-application-id", busName + " is not a valid bus name");
        throw translateError(e);
    }
    auto proxy = translatingErrors([&] { return std::make_unique<SchedulerProxy>(*connection); });
    auto ownerWatch = translatingErrors([&] {
        return connection->addMatch(
            std::string("type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                        "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='") +
                api::kBusName + "'",
            [this](sdbus::Message& message) {
                std::string name, oldOwner, newOwner;
                message >> name >> oldOwner >> newOwner;
                onSchedulerOwnerChanged(newOwner);
            });
    });

    connection_ = std::move(connection);
    handlerObject_ = std::move(handler);
    schedulerProxy_ = std::move(proxy);
    ownerWatch_ = std::move(ownerWatch);
    appId_ = std::move(appId);
    busName_ = std::move(busName);
    loopThread_ = std::thread([this] { runLoop(); });
    ready_.store(schedulerProxy_.get(), std::memory_order_release);
}

std::string SchedulerCore::applicationId() const
{
    if (ready_.load(std::memory_order_acquire) == nullptr)
        return {};
    return appId_;
}

SchedulerProxy& SchedulerCore::scheduler()
{
    if (auto* proxy = ready_.load(std::memory_order_acquire))
        return *proxy;
    std::lock_guard setup(setupMutex_);
    if (!schedulerProxy_) {
        const char* appId = std::getenv("BGTASK_APP_ID");
        if (appId == nullptr || *appId == '\0')
            throw SchedulerError(Code::Unavailable, "no-application-id",
                                 "call Scheduler::setApplicationId() or set BGTASK_APP_ID first");
        setApplicationIdLocked(appId, appId);
    }
    return *schedulerProxy_;
}

void SchedulerCore::runLoop() noexcept
{
    try {
        connection_->enterEventLoop();
    } catch (const std::exception& e) {
        // Typically the bus went away. Calls made from now on fail with NoScheduler.
        std::fprintf(stderr, "libbgtask: Lost the bus connection: %s\n", e.what());
    }
}

bool SchedulerCore::isLoopThread() const
{
    if (ready_.load(std::memory_order_acquire) == nullptr)
        return false;
    return loopThread_.joinable() && loopThread_.get_id() == std::this_thread::get_id();
}

bool SchedulerCore::registerTask(std::string identifier, LaunchHandler handler)
{
    if (identifier.empty())
        throw SchedulerError(Code::InvalidArgument, "bad-identifier", "the task identifier is empty");
    if (!handler)
        throw SchedulerError(Code::InvalidArgument, "no-handler", "the launch handler of " + identifier + " is empty");
    auto& proxy = scheduler();
    {
        // Recorded before Register: bgtaskd may call Launch as soon as it has registered us.
        std::lock_guard lock(mutex_);
        if (handlers_.contains(identifier))
            throw SchedulerError(Code::InvalidArgument, "already-registered",
                                 "a launch handler for " + identifier + " is already registered");
        handlers_.emplace(identifier, std::make_shared<const LaunchHandler>(std::move(handler)));
    }
    std::vector<std::string> refused;
    try {
        refused = translatingErrors([&] { return proxy.Register({identifier}); });
    } catch (...) {
        std::lock_guard lock(mutex_);
        handlers_.erase(identifier);
        throw;
    }
    if (std::find(refused.begin(), refused.end(), identifier) == refused.end())
        return true;
    std::lock_guard lock(mutex_);
    handlers_.erase(identifier);
    return false;
}

void SchedulerCore::submit(const TaskRequest& request)
{
    auto& proxy = scheduler();
    const auto wire = encodeRequest(request);
    translatingErrors([&] { proxy.Submit(wire.kind, wire.identifier, wire.options); });
}

void SchedulerCore::cancel(const std::string& identifier)
{
    auto& proxy = scheduler();
    translatingErrors([&] { proxy.Cancel(identifier); });
}

void SchedulerCore::cancelAll()
{
    auto& proxy = scheduler();
    translatingErrors([&] { proxy.CancelAll(); });
}

std::vector<PendingTaskRequest> SchedulerCore::pendingTaskRequests()
{
    auto& proxy = scheduler();
    auto wire = translatingErrors([&] { return proxy.GetPendingTaskRequests(); });
    std::vector<PendingTaskRequest> requests;
    requests.reserve(wire.size());
    for (auto& entry : wire) {
        // sdbus::Struct derives from std::tuple, which structured bindings cannot take apart.
        if (auto request = decodeRequest(std::get<0>(entry), std::move(std::get<1>(entry)), std::get<2>(entry)))
            requests.push_back(std::move(*request));
    }
    return requests;
}

std::function<void()> SchedulerCore::onLaunch(LaunchCall call)
{
    const auto kind = taskKindFromString(call.kind);
    if (!kind)
        throw SchedulerError(Code::InvalidArgument, "unknown-kind", "this app does not know the kind " + call.kind);
    std::shared_ptr<const LaunchHandler> handler;
    {
        std::lock_guard lock(mutex_);
        if (auto it = handlers_.find(call.identifier); it != handlers_.end())
            handler = it->second;
    }
    if (!handler)
        throw SchedulerError(Code::NotFound, "no-handler", "no launch handler is registered for " + call.identifier);

    auto impl = std::make_unique<Task::Impl>(weak_from_this(), call.task, call.identifier, *kind, call.deadline,
                                             call.simulated);
    auto* implPtr = impl.get();
    auto task = std::make_shared<Task>(std::move(impl));
    {
        std::lock_guard lock(mutex_);
        running_[call.task] = RunningTask{task, implPtr};
    }
    return [handler = std::move(handler), task = std::move(task)] {
        try {
            (*handler)(task);
        } catch (const std::exception& e) {
            warn("run the launch handler of", task->identifier(), e.what());
            task->setTaskCompleted(false);
        }
    };
}

std::function<void()> SchedulerCore::onExpire(const std::string& path, std::string reason)
{
    RunningTask running;
    {
        std::lock_guard lock(mutex_);
        auto it = running_.find(path);
        if (it == running_.end())
            throw SchedulerError(Code::NotFound, "no-such-task", "this app runs no task " + path);
        running = it->second;
    }
    return [running = std::move(running), reason = std::move(reason)] {
        running.impl->expire(*running.task, ExpirationReason::fromString(reason));
    };
}

void SchedulerCore::onSchedulerOwnerChanged(const std::string& owner) noexcept
{
    std::vector<std::string> identifiers;
    {
        std::lock_guard lock(mutex_);
        schedulerOwner_ = owner;
        if (owner.empty())
            return;
        for (const auto& [identifier, handler] : handlers_)
            identifiers.push_back(identifier);
    }
    if (identifiers.empty())
        return;
    try {
        for (const auto& refused : schedulerProxy_->Register(identifiers)) {
            warn("register again", refused, "the app's manifest no longer permits it");
            std::lock_guard lock(mutex_);
            handlers_.erase(refused);
        }
    } catch (const sdbus::Error& e) {
        warn("register the launch handlers again with", api::kBusName, translateError(e).what());
    } catch (const std::exception& e) {
        warn("register the launch handlers again with", api::kBusName, e.what());
    }
}

bool SchedulerCore::isFromScheduler(const std::string& sender)
{
    {
        std::lock_guard lock(mutex_);
        if (!schedulerOwner_.empty() && sender == schedulerOwner_)
            return true;
    }
    // Unknown sender, or bgtaskd restarted: ask the bus who owns org.bgtaskd now (on the loop
    // thread, where a synchronous call is fine).
    std::string owner;
    try {
        auto bus = sdbus::createProxy(*connection_, "org.freedesktop.DBus", "/org/freedesktop/DBus");
        bus->callMethod("GetNameOwner")
            .onInterface("org.freedesktop.DBus")
            .withArguments(std::string(api::kBusName))
            .storeResultsTo(owner);
    } catch (const sdbus::Error&) {
        return false;
    }
    std::lock_guard lock(mutex_);
    schedulerOwner_ = owner;
    return sender == owner;
}

void SchedulerCore::completeTask(const std::string& path, bool success) noexcept
{
    RunningTask forgotten;  // released after the lock
    {
        std::lock_guard lock(mutex_);
        if (auto it = running_.find(path); it != running_.end()) {
            forgotten = std::move(it->second);
            running_.erase(it);
        }
    }
    try {
        TaskProxy task(*connection_, path);
        task.SetTaskCompleted(success);
    } catch (const sdbus::Error& e) {
        const auto error = translateError(e);
        // NotFound: bgtaskd already ended the task (after expiry, for instance); nothing to do.
        if (error.code() != Code::NotFound)
            warn("complete task", path, error.what());
    } catch (const std::exception& e) {
        warn("complete task", path, e.what());
    }
}

} // namespace bgtask::detail
