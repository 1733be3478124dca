// SPDX-License-Identifier: LGPL-2.1-or-later
// The C API's handles and the helpers its three files share. A bgtask_request holds a C++ request;
// a bgtask_task holds a C++ task and a reference count (the library's reference is released when
// the task completes, however it completes).
#pragma once

#include <bgtask/bgtask.h>

#include <atomic>
#include <exception>
#include <memory>
#include <string>

struct bgtask_request {
    bgtask::TaskRequest request;
};

struct bgtask_task {
    std::shared_ptr<bgtask::Task> task;
    std::atomic<unsigned> refs{1};
};

namespace bgtask::capi {

// A new bgtask_error for error (or for an exception the library did not expect).
bgtask_error* newError(const SchedulerError& error);
// Stores a new error into *out when out is not null.
void setError(bgtask_error** out, const SchedulerError& error);

// A bgtask_error pointing into error's strings, for the duration of a callback.
class BorrowedError {
public:
    explicit BorrowedError(const SchedulerError& error);
    const bgtask_error* get() const noexcept { return &view_; }

private:
    std::string subReason_;
    std::string message_;
    bgtask_error view_{};
};

// The task handle for a launch: one per task, holding the library's reference until completion.
bgtask_task* newTaskHandle(const std::shared_ptr<Task>& task);

// Runs f, turning every exception into -1 and *error (or nullptr for pointer results).
template <typename F>
int guarded(bgtask_error** error, F&& f) noexcept
{
    try {
        return std::forward<F>(f)();
    } catch (const SchedulerError& e) {
        setError(error, e);
    } catch (const std::exception& e) {
        setError(error, SchedulerError(SchedulerError::Code::Internal, "client-failed", e.what()));
    } catch (...) {
        setError(error, SchedulerError(SchedulerError::Code::Internal, "client-failed", "unknown exception"));
    }
    return -1;
}

} // namespace bgtask::capi
