// SPDX-License-Identifier: LGPL-2.1-or-later
// The C API: errors and the scheduler, on top of bgtask::Scheduler::shared().
#include "CApi.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

using bgtask::Scheduler;
using bgtask::SchedulerError;
using bgtask::capi::guarded;

namespace bgtask::capi {
namespace {

char* duplicate(const std::string& text)
{
    char* copy = ::strdup(text.c_str());
    if (copy == nullptr)
        throw std::bad_alloc();
    return copy;
}

SchedulerError invalid(const char* what)
{
    return SchedulerError(SchedulerError::Code::InvalidArgument, "null-argument", std::string(what) + " is NULL");
}

LaunchHandler adapt(bgtask_launch_handler handler, void* userData)
{
    return [handler, userData](std::shared_ptr<Task> task) { handler(newTaskHandle(task), userData); };
}

Completion adapt(bgtask_completion completion, void* userData)
{
    return [completion, userData](std::optional<SchedulerError> error) {
        if (!completion)
            return;
        if (!error) {
            completion(nullptr, userData);
            return;
        }
        BorrowedError borrowed(*error);
        completion(borrowed.get(), userData);
    };
}

} // namespace

bgtask_error* newError(const SchedulerError& error)
{
    auto* out = static_cast<bgtask_error*>(std::calloc(1, sizeof(bgtask_error)));
    if (out == nullptr)
        return nullptr;
    out->code = static_cast<bgtask_error_code>(error.code());
    out->apple_code = error.appleCode();
    out->sub_reason = ::strdup(error.subReason().c_str());
    out->message = ::strdup(error.message().c_str());
    if (out->sub_reason == nullptr || out->message == nullptr) {
        bgtask_error_free(out);
        return nullptr;
    }
    return out;
}

void setError(bgtask_error** out, const SchedulerError& error)
{
    if (out != nullptr)
        *out = newError(error);
}

BorrowedError::BorrowedError(const SchedulerError& error)
    : subReason_(error.subReason())
    , message_(error.message())
{
    view_.code = static_cast<bgtask_error_code>(error.code());
    view_.apple_code = error.appleCode();
    view_.sub_reason = subReason_.data();
    view_.message = message_.data();
}

} // namespace bgtask::capi

static_assert(static_cast<int>(SchedulerError::Code::InvalidArgument) == BGTASK_ERROR_INVALID_ARGUMENT);
static_assert(static_cast<int>(SchedulerError::Code::NoScheduler) == BGTASK_ERROR_NO_SCHEDULER);
static_assert(static_cast<int>(bgtask::BackgroundRefreshStatus::Available) == BGTASK_REFRESH_STATUS_AVAILABLE);
static_assert(static_cast<unsigned>(bgtask::Resources::Gpu) == BGTASK_RESOURCE_GPU);

extern "C" {

void bgtask_error_free(bgtask_error* error)
{
    if (error == nullptr)
        return;
    std::free(error->sub_reason);
    std::free(error->message);
    std::free(error);
}

const char* bgtask_error_code_to_string(bgtask_error_code code)
{
    // string_views of string literals: NUL-terminated, static.
    return bgtask::toString(static_cast<SchedulerError::Code>(code)).data();
}

int bgtask_scheduler_set_application_id(const char* app_id, const char* bus_name, bgtask_error** error)
{
    return guarded(error, [&] {
        if (app_id == nullptr)
            throw bgtask::capi::invalid("app_id");
        Scheduler::shared().setApplicationId(app_id, bus_name ? bus_name : app_id);
        return 0;
    });
}

char* bgtask_scheduler_get_application_id(void)
{
    try {
        const auto id = Scheduler::shared().applicationId();
        return id.empty() ? nullptr : bgtask::capi::duplicate(id);
    } catch (...) {
        return nullptr;
    }
}

int bgtask_scheduler_register(const char* identifier, bgtask_launch_handler handler, void* user_data,
                              bgtask_error** error)
{
    return guarded(error, [&] {
        if (identifier == nullptr || handler == nullptr)
            throw bgtask::capi::invalid(identifier == nullptr ? "identifier" : "handler");
        return Scheduler::shared().registerTask(identifier, bgtask::capi::adapt(handler, user_data)) ? 1 : 0;
    });
}

int bgtask_scheduler_register_continued(const char* identifier, bgtask_launch_handler handler, void* user_data,
                                        bgtask_error** error)
{
    return guarded(error, [&] {
        if (identifier == nullptr || handler == nullptr)
            throw bgtask::capi::invalid(identifier == nullptr ? "identifier" : "handler");
        auto adapted = bgtask::capi::adapt(handler, user_data);
        return Scheduler::shared().registerContinuedProcessingTask(
                   identifier, [adapted](std::shared_ptr<bgtask::ContinuedProcessingTask> task) { adapted(task); })
                   ? 1
                   : 0;
    });
}

void bgtask_scheduler_launch_finished(void)
{
    Scheduler::shared().launchFinished();
}

int bgtask_scheduler_submit(const bgtask_request* request, bgtask_error** error)
{
    return guarded(error, [&] {
        if (request == nullptr)
            throw bgtask::capi::invalid("request");
        Scheduler::shared().submit(request->request);
        return 0;
    });
}

int bgtask_scheduler_submit_async(const bgtask_request* request, bgtask_completion completion, void* user_data,
                                  bgtask_error** error)
{
    return guarded(error, [&] {
        if (request == nullptr)
            throw bgtask::capi::invalid("request");
        Scheduler::shared().submit(request->request, bgtask::capi::adapt(completion, user_data));
        return 0;
    });
}

namespace {

bgtask::Backoff backoffOf(std::int64_t initialUsec, std::int64_t maxUsec)
{
    bgtask::Backoff backoff;
    if (initialUsec != 0)
        backoff.initialDelay = std::chrono::microseconds(initialUsec);
    if (maxUsec != 0)
        backoff.maxDelay = std::chrono::microseconds(maxUsec);
    return backoff;
}

} // namespace

int bgtask_scheduler_schedule_periodic(const bgtask_request* request, int64_t interval_usec, int64_t flex_usec,
                                       int64_t backoff_usec, int64_t max_backoff_usec, bgtask_error** error)
{
    return guarded(error, [&] {
        if (request == nullptr)
            throw bgtask::capi::invalid("request");
        Scheduler::shared().schedulePeriodic(request->request, std::chrono::microseconds(interval_usec),
                                             std::chrono::microseconds(flex_usec),
                                             backoffOf(backoff_usec, max_backoff_usec));
        return 0;
    });
}

int bgtask_scheduler_submit_with_retry(const bgtask_request* request, int64_t backoff_usec, int64_t max_backoff_usec,
                                       bgtask_error** error)
{
    return guarded(error, [&] {
        if (request == nullptr)
            throw bgtask::capi::invalid("request");
        Scheduler::shared().submitWithRetry(request->request, backoffOf(backoff_usec, max_backoff_usec));
        return 0;
    });
}

int bgtask_scheduler_cancel(const char* identifier, bgtask_error** error)
{
    return guarded(error, [&] {
        if (identifier == nullptr)
            throw bgtask::capi::invalid("identifier");
        Scheduler::shared().cancel(identifier);
        return 0;
    });
}

int bgtask_scheduler_cancel_async(const char* identifier, bgtask_completion completion, void* user_data,
                                  bgtask_error** error)
{
    return guarded(error, [&] {
        if (identifier == nullptr)
            throw bgtask::capi::invalid("identifier");
        Scheduler::shared().cancel(identifier, bgtask::capi::adapt(completion, user_data));
        return 0;
    });
}

int bgtask_scheduler_cancel_all(bgtask_error** error)
{
    return guarded(error, [&] {
        Scheduler::shared().cancelAll();
        return 0;
    });
}

int bgtask_scheduler_cancel_all_async(bgtask_completion completion, void* user_data, bgtask_error** error)
{
    return guarded(error, [&] {
        Scheduler::shared().cancelAll(bgtask::capi::adapt(completion, user_data));
        return 0;
    });
}

namespace {

bgtask_request** toArray(std::vector<bgtask::PendingTaskRequest>&& requests)
{
    if (requests.empty())
        return nullptr;
    auto** array = static_cast<bgtask_request**>(std::calloc(requests.size(), sizeof(bgtask_request*)));
    if (array == nullptr)
        throw std::bad_alloc();
    for (std::size_t i = 0; i < requests.size(); ++i) {
        try {
            array[i] = new bgtask_request{std::move(requests[i])};
        } catch (...) {
            bgtask_request_array_free(array, i);
            throw;
        }
    }
    return array;
}

} // namespace

int bgtask_scheduler_get_pending_requests(bgtask_request*** requests, size_t* n_requests, bgtask_error** error)
{
    return guarded(error, [&] {
        if (requests == nullptr || n_requests == nullptr)
            throw bgtask::capi::invalid(requests == nullptr ? "requests" : "n_requests");
        auto pending = Scheduler::shared().pendingTaskRequests();
        const auto count = pending.size();
        *requests = toArray(std::move(pending));
        *n_requests = count;
        return 0;
    });
}

int bgtask_scheduler_get_pending_requests_async(bgtask_pending_callback callback, void* user_data,
                                                bgtask_error** error)
{
    return guarded(error, [&] {
        if (callback == nullptr)
            throw bgtask::capi::invalid("callback");
        Scheduler::shared().pendingTaskRequests(
            [callback, user_data](std::vector<bgtask::PendingTaskRequest> pending, std::optional<SchedulerError> e) {
                if (e) {
                    bgtask::capi::BorrowedError borrowed(*e);
                    callback(nullptr, 0, borrowed.get(), user_data);
                    return;
                }
                std::vector<bgtask_request> owned;
                owned.reserve(pending.size());
                for (auto& request : pending)
                    owned.push_back(bgtask_request{std::move(request)});
                std::vector<bgtask_request*> pointers;
                for (auto& request : owned)
                    pointers.push_back(&request);
                callback(pointers.data(), pointers.size(), nullptr, user_data);
            });
        return 0;
    });
}

void bgtask_request_array_free(bgtask_request** requests, size_t n_requests)
{
    if (requests == nullptr)
        return;
    for (size_t i = 0; i < n_requests; ++i)
        delete requests[i];
    std::free(requests);
}

unsigned bgtask_scheduler_get_supported_resources(void)
{
    return static_cast<unsigned>(Scheduler::shared().supportedResources());
}

bgtask_refresh_status bgtask_scheduler_get_background_refresh_status(void)
{
    return static_cast<bgtask_refresh_status>(Scheduler::shared().backgroundRefreshStatus());
}

int bgtask_scheduler_set_refresh_status_handler(bgtask_refresh_status_handler handler, void* user_data,
                                                bgtask_error** error)
{
    return guarded(error, [&] {
        bgtask::BackgroundRefreshStatusHandler adapted;
        if (handler != nullptr)
            adapted = [handler, user_data](bgtask::BackgroundRefreshStatus status) {
                handler(static_cast<bgtask_refresh_status>(status), user_data);
            };
        Scheduler::shared().setBackgroundRefreshStatusHandler(std::move(adapted));
        return 0;
    });
}

int bgtask_scheduler_use_external_event_loop(bgtask_error** error)
{
    return guarded(error, [&] { return Scheduler::shared().useExternalEventLoop(); });
}

int bgtask_scheduler_get_fd(void)
{
    return Scheduler::shared().eventFd();
}

void bgtask_scheduler_process(void)
{
    Scheduler::shared().process();
}

} // extern "C"
