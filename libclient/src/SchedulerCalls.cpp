// SPDX-License-Identifier: LGPL-2.1-or-later
// SchedulerCore: what apps call — registration, requests (synchronous and asynchronous), and what
// the scheduler offers.
#include "SchedulerCore.h"

#include "CallbackScope.h"
#include "ErrorTranslation.h"
#include "ProposedMembers.h"
#include "RequestCodec.h"

#include <bgtask-api/Names.h>

#include <algorithm>
#include <cstdio>
#include <exception>

namespace bgtask::detail {
namespace {

using Code = SchedulerError::Code;
using WireRequests = std::vector<sdbus::Struct<std::string, std::string, VariantMap>>;
// sdbus-c++ takes interface and member names as std::string: made once, not per call (the
// interface's name is too long for the short-string buffer).
const std::string& schedulerInterface()
{
    static const std::string name = api::kSchedulerInterface;
    return name;
}

std::vector<PendingTaskRequest> decodePending(WireRequests wire)
{
    std::vector<PendingTaskRequest> requests;
    requests.reserve(wire.size());
    for (auto& entry : wire) {
        // sdbus::Struct derives from std::tuple, which structured bindings cannot take apart.
        if (auto request = decodeRequest(std::get<0>(entry), std::move(std::get<1>(entry)), std::get<2>(entry)))
            requests.push_back(std::move(*request));
    }
    return requests;
}

// Runs an app's completion; nothing it throws may unwind into sd-bus.
template <typename F>
void runCompletion(const char* what, F&& f) noexcept
{
    CallbackScope scope;
    try {
        std::forward<F>(f)();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "libbgtask: The completion of %s threw: %s, ignoring\n", what, e.what());
    } catch (...) {
        std::fprintf(stderr, "libbgtask: The completion of %s threw, ignoring\n", what);
    }
}

std::optional<SchedulerError> errorOf(const sdbus::Error* error)
{
    if (error == nullptr)
        return std::nullopt;
    return translateError(*error);
}

} // namespace

template <typename Fill>
void SchedulerCore::sendAsync(const char* method, Completion completion, const Fill& fill)
{
    if (!completion)
        completion = [](std::optional<SchedulerError>) {};
    call([&] {
        auto message = rawProxy_->createMethodCall(schedulerInterface(), method);
        fill(message);
        rawProxy_->callMethod(message, [completion = std::move(completion), method](sdbus::MethodReply&,
                                                                                  const sdbus::Error* error) {
            runCompletion(method, [&] { completion(errorOf(error)); });
        });
    });
}

bool SchedulerCore::registerTask(std::string identifier, LaunchHandler handler)
{
    if (!handler)
        throw SchedulerError(Code::InvalidArgument, "no-handler", "the launch handler of " + identifier + " is empty");
    if (launchFinished_.load())
        throw SchedulerError(Code::InvalidArgument, "registration-closed",
                             "the app has finished launching; register refresh and processing handlers before "
                             "launchFinished() (continued-processing handlers: registerContinuedProcessingTask())");
    return addRegistration(std::move(identifier), Registration{std::move(handler), {}});
}

bool SchedulerCore::registerContinuedProcessingTask(std::string identifier, ContinuedProcessingLaunchHandler handler)
{
    if (!handler)
        throw SchedulerError(Code::InvalidArgument, "no-handler", "the launch handler of " + identifier + " is empty");
    return addRegistration(std::move(identifier), Registration{{}, std::move(handler)});
}

bool SchedulerCore::addRegistration(std::string identifier, Registration registration)
{
    if (identifier.empty())
        throw SchedulerError(Code::InvalidArgument, "bad-identifier", "the task identifier is empty");
    ensureReady();
    {
        // Recorded before Register: bgtaskd may call Launch as soon as it has registered us.
        std::lock_guard lock(mutex_);
        if (handlers_.contains(identifier))
            throw SchedulerError(Code::InvalidArgument, "already-registered",
                                 "a launch handler for " + identifier + " is already registered");
        handlers_.emplace(identifier, std::make_shared<const Registration>(std::move(registration)));
    }
    std::vector<std::string> refused;
    try {
        refused = call([&] { return schedulerProxy_->Register({identifier}); });
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

void SchedulerCore::rememberTitle(const TaskRequest& request)
{
    // Continued processing starts in this very process: its task begins with the request's title.
    if (const auto* continued = std::get_if<ContinuedProcessingTaskRequest>(&request)) {
        std::lock_guard lock(mutex_);
        submittedTitles_[continued->identifier] = TitleValue{continued->title, continued->subtitle};
    }
}

void SchedulerCore::submit(const TaskRequest& request)
{
    ensureReady();
    rememberTitle(request);
    call([&] {
        auto message = rawProxy_->createMethodCall(schedulerInterface(), "Submit");
        writeSubmit(message, request);
        [[maybe_unused]] const auto reply = rawProxy_->callMethod(message);
    });
}

void SchedulerCore::submit(const TaskRequest& request, const VariantMap& moreOptions)
{
    ensureReady();
    auto wire = encodeRequest(request);
    for (const auto& [name, value] : moreOptions)
        wire.options[name] = value;
    call([&] { schedulerProxy_->Submit(wire.kind, wire.identifier, wire.options); });
}

void SchedulerCore::submit(const TaskRequest& request, Completion completion)
{
    ensureReady();
    rememberTitle(request);
    sendAsync("Submit", std::move(completion), [&](sdbus::MethodCall& message) { writeSubmit(message, request); });
}

void SchedulerCore::cancel(const std::string& identifier)
{
    ensureReady();
    call([&] { schedulerProxy_->Cancel(identifier); });
}

void SchedulerCore::cancel(const std::string& identifier, Completion completion)
{
    ensureReady();
    sendAsync("Cancel", std::move(completion), [&](sdbus::MethodCall& message) { message << identifier; });
}

void SchedulerCore::cancelAll()
{
    ensureReady();
    call([&] { schedulerProxy_->CancelAll(); });
}

void SchedulerCore::cancelAll(Completion completion)
{
    ensureReady();
    sendAsync("CancelAll", std::move(completion), [](sdbus::MethodCall&) {});
}

std::vector<PendingTaskRequest> SchedulerCore::pendingTaskRequests()
{
    ensureReady();
    return decodePending(call([&] { return schedulerProxy_->GetPendingTaskRequests(); }));
}

void SchedulerCore::pendingTaskRequests(PendingTaskRequestsCompletion completion)
{
    ensureReady();
    if (!completion)
        return;
    call([&] {
        auto message = rawProxy_->createMethodCall(api::kSchedulerInterface, "GetPendingTaskRequests");
        rawProxy_->callMethod(message, [completion = std::move(completion)](sdbus::MethodReply& reply,
                                                                           const sdbus::Error* error) {
            runCompletion("GetPendingTaskRequests", [&] {
                if (error != nullptr) {
                    completion({}, translateError(*error));
                    return;
                }
                WireRequests wire;
                try {
                    reply >> wire;
                } catch (const sdbus::Error& e) {
                    completion({}, translateError(e));
                    return;
                }
                completion(decodePending(std::move(wire)), std::nullopt);
            });
        });
    });
}

Resources SchedulerCore::supportedResources() noexcept
{
    if (resourcesUnsupported_.load())
        return Resources::Default;
    try {
        ensureReady();
        std::vector<std::string> supported;
        std::map<std::string, std::string> unavailable;
        try {
            rawProxy_->callMethod(proposed::kGetSupportedResources)
                .onInterface(api::kSchedulerInterface)
                .storeResultsTo(supported, unavailable);
        } catch (const sdbus::Error& e) {
            wake();
            if (meansUnknownMember(e))
                resourcesUnsupported_.store(true);  // an older bgtaskd: do not ask again
            return Resources::Default;
        }
        wake();
        return decodeResources(supported);
    } catch (const std::exception&) {
        return Resources::Default;  // no application id, no bus
    }
}

BackgroundRefreshStatus SchedulerCore::backgroundRefreshStatus() noexcept
{
    if (refreshStatusUnsupported_.load())
        return BackgroundRefreshStatus::Available;
    try {
        ensureReady();
        std::string status;
        try {
            rawProxy_->callMethod(proposed::kGetBackgroundRefreshStatus)
                .onInterface(api::kSchedulerInterface)
                .storeResultsTo(status);
        } catch (const sdbus::Error& e) {
            wake();
            if (meansUnknownMember(e))
                refreshStatusUnsupported_.store(true);
            return BackgroundRefreshStatus::Available;
        }
        wake();
        return decodeRefreshStatus(status);
    } catch (const std::exception&) {
        return BackgroundRefreshStatus::Available;
    }
}

// Manager1.PolicyChanged carries the app's policy as it now stands; bgtaskd emits it for every
// app whose status changed, also when the every-app switch changed, so the app's own signal is
// all this needs. A change of the continued-processing switch alone is not a refresh change.
void SchedulerCore::setBackgroundRefreshStatusHandler(BackgroundRefreshStatusHandler handler)
{
    ensureReady();
    const auto current = backgroundRefreshStatus();
    {
        std::lock_guard lock(mutex_);
        refreshHandler_ = std::move(handler);
        lastRefreshStatus_ = current;
        if (policyWatch_ || !refreshHandler_)
            return;
    }
    // Not under the lock: adding the match is a bus call, and the loop thread takes the lock.
    auto watch = translatingErrors([&] {
        return connection_->addMatch(std::string("type='signal',sender='") + api::kBusName + "',path='" +
                                         api::kObjectPath + "',interface='" + api::kManagerInterface +
                                         "',member='PolicyChanged',arg0='" + appId_ + "'",
                                     [this](sdbus::Message& message) { onPolicyChanged(message); });
    });
    wake();
    std::lock_guard lock(mutex_);
    if (!policyWatch_)
        policyWatch_ = std::move(watch);
}

void SchedulerCore::onPolicyChanged(sdbus::Message& message) noexcept
{
    CallbackScope scope;
    BackgroundRefreshStatusHandler handler;
    BackgroundRefreshStatus status{};
    try {
        std::string app;
        VariantMap policy;
        message >> app >> policy;
        const auto refresh = lookup<std::string>(policy, "Refresh");
        if (app != appId_ || !refresh)
            return;
        status = decodeRefreshStatus(*refresh);
        std::lock_guard lock(mutex_);
        if (!refreshHandler_ || lastRefreshStatus_ == status)
            return;
        lastRefreshStatus_ = status;
        handler = refreshHandler_;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "libbgtask: Failed to read a policy change: %s, ignoring\n", e.what());
        return;
    }
    try {
        handler(status);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "libbgtask: The refresh status handler failed: %s, ignoring\n", e.what());
    }
}

} // namespace bgtask::detail
