// SPDX-License-Identifier: LGPL-2.1-or-later
// SchedulerCore: set-up, the three ways of running the connection, and following bgtaskd's name.
#include "SchedulerCore.h"

#include "BusConnection.h"
#include "CallbackScope.h"
#include "ErrorTranslation.h"

#include <bgtask-api/Names.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <exception>

namespace bgtask::detail {
namespace {

using Code = SchedulerError::Code;
// Scheduler1.Register's bound on the identifiers of one call (bgtaskd(8)).
constexpr std::size_t kMaxRegisterBatch = 1024;

bool isNameTaken(const sdbus::Error& e)
{
    // sd_bus_request_name() fails with EEXIST when another connection owns the name.
    return e.getName() == "org.freedesktop.DBus.Error.FileExists" || e.getName() == "System.Error.EEXIST";
}

bool isAlreadyOwner(const sdbus::Error& e)
{
    // ... and with EALREADY when this connection owns it already: the app shares it with us.
    return e.getName() == "System.Error.EALREADY";
}

} // namespace

SchedulerCore::SchedulerCore()
    : flusher_(std::make_shared<ProgressFlusher>(*this))
{
}

SchedulerCore::~SchedulerCore()
{
    // Nothing may send progress once the connection starts going away.
    flusher_->stop();
    if (loopThread_.joinable()) {
        try {
            connection_->leaveEventLoop();
            loopThread_.join();
        } catch (const std::exception& e) {
            std::fprintf(stderr, "libbgtask: Failed to stop the bus thread: %s\n", e.what());
            loopThread_.detach();
        }
    } else if (mode_ == LoopMode::Shared && connection_ && ready_.load()) {
        // The process is ending. Stop the app's loop on the connection before the objects the loop
        // dispatches to are unregistered below.
        try {
            connection_->leaveEventLoop();
        } catch (const std::exception&) {
            // Called on the loop thread itself, or the loop is not sdbus-c++'s: nothing to stop.
        }
    }
}

int SchedulerCore::useExternalEventLoop()
{
    std::lock_guard setup(setupMutex_);
    if (mode_ == LoopMode::External)
        return external_->fd();
    if (connection_)
        throw SchedulerError(Code::InvalidArgument, "already-connected",
                             "useExternalEventLoop() must come before anything connects to the bus");
    external_ = std::make_unique<ExternalLoop>();
    mode_ = LoopMode::External;
    return external_->fd();
}

int SchedulerCore::eventFd() const noexcept
{
    std::lock_guard setup(setupMutex_);
    return external_ ? external_->fd() : -1;
}

void SchedulerCore::process() noexcept
{
    ExternalLoop* loop = nullptr;
    {
        std::lock_guard setup(setupMutex_);
        loop = external_.get();
    }
    if (loop != nullptr)
        loop->process();
}

void SchedulerCore::useConnection(std::shared_ptr<sdbus::IConnection> connection)
{
    if (!connection)
        throw SchedulerError(Code::InvalidArgument, "no-connection", "the sdbus-c++ connection is null");
    std::lock_guard setup(setupMutex_);
    if (connection_ || mode_ != LoopMode::OwnThread)
        throw SchedulerError(Code::InvalidArgument, "already-connected",
                             "useSdbusConnection() must come before anything connects to the bus, and only once");
    connection_ = std::move(connection);
    mode_ = LoopMode::Shared;
}

bool SchedulerCore::isLoopThread() const
{
    if (CallbackScope::active() || ExternalLoop::isProcessingThread())
        return true;
    if (!ready_.load(std::memory_order_acquire))
        return false;
    return loopThread_.joinable() && loopThread_.get_id() == std::this_thread::get_id();
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
    if (ready_.load()) {
        if (appId == appId_ && busName == busName_)
            return;
        throw SchedulerError(Code::InvalidArgument, "application-id-already-set",
                             "this process is already the app " + appId_ + " (bus name " + busName_ + ")");
    }

    auto connection = connection_ ? connection_ : std::shared_ptr<sdbus::IConnection>(openConnection(busFromEnvironment()));
    // Export the handler before owning the name: once the name is ours, bgtaskd may call it.
    auto handler = translatingErrors([&] { return std::make_unique<HandlerObject>(*connection, *this); });
    requestName(*connection, busName);
    auto proxy = translatingErrors([&] { return std::make_unique<SchedulerProxy>(*connection); });
    auto raw = translatingErrors([&] { return sdbus::createProxy(*connection, api::kBusName, api::kObjectPath); });
    auto ownerWatch = translatingErrors([&] {
        return connection->addMatch(
            std::string("type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                        "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='") +
                api::kBusName + "'",
            [this](sdbus::Message& message) {
                CallbackScope scope;
                std::string name, oldOwner, newOwner;
                message >> name >> oldOwner >> newOwner;
                onSchedulerOwnerChanged(newOwner);
            });
    });

    connection_ = std::move(connection);
    handlerObject_ = std::move(handler);
    schedulerProxy_ = std::move(proxy);
    rawProxy_ = std::move(raw);
    ownerWatch_ = std::move(ownerWatch);
    appId_ = std::move(appId);
    busName_ = std::move(busName);
    startLoop();
    ready_.store(true, std::memory_order_release);
}

void SchedulerCore::requestName(sdbus::IConnection& connection, const std::string& busName)
{
    try {
        connection.requestName(busName);
    } catch (const sdbus::Error& e) {
        if (isAlreadyOwner(e))
            return;
        if (isNameTaken(e))
            throw SchedulerError(Code::Unavailable, "name-taken",
                                 "the bus name " + busName + " is owned by another process");
        if (e.getName() == "org.freedesktop.DBus.Error.InvalidArgs" || e.getName() == "System.Error.EINVAL")
            throw SchedulerError(Code::InvalidArgument, "bad-application-id", busName + " is not a valid bus name");
        throw translateError(e);
    }
}

void SchedulerCore::startLoop()
{
    switch (mode_) {
    case LoopMode::OwnThread:
        loopThread_ = std::thread([this] { runLoop(); });
        break;
    case LoopMode::External:
        external_->attach(*connection_);
        break;
    case LoopMode::Shared:
        break;  // the app runs it
    }
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

void SchedulerCore::wake() noexcept
{
    if (external_)
        external_->wake();
}

void SchedulerCore::ensureReady()
{
    if (ready_.load(std::memory_order_acquire))
        return;
    std::lock_guard setup(setupMutex_);
    if (ready_.load())
        return;
    const char* appId = std::getenv("BGTASK_APP_ID");
    if (appId == nullptr || *appId == '\0')
        throw SchedulerError(Code::Unavailable, "no-application-id",
                             "call Scheduler::setApplicationId() or set BGTASK_APP_ID first");
    setApplicationIdLocked(appId, appId);
}

std::string SchedulerCore::applicationId() const
{
    if (!ready_.load(std::memory_order_acquire))
        return {};
    return appId_;
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
        // Register takes at most kMaxRegisterBatch identifiers in one call.
        for (std::size_t first = 0; first < identifiers.size(); first += kMaxRegisterBatch) {
            const auto last = std::min(identifiers.size(), first + kMaxRegisterBatch);
            const std::vector<std::string> batch(identifiers.begin() + static_cast<std::ptrdiff_t>(first),
                                                 identifiers.begin() + static_cast<std::ptrdiff_t>(last));
            for (const auto& refused : call([&] { return schedulerProxy_->Register(batch); })) {
                std::fprintf(stderr, "libbgtask: Failed to register %s again: the app's manifest no longer permits it\n",
                             refused.c_str());
                std::lock_guard lock(mutex_);
                handlers_.erase(refused);
            }
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "libbgtask: Failed to register the launch handlers again with %s: %s\n", api::kBusName,
                     e.what());
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

} // namespace bgtask::detail
