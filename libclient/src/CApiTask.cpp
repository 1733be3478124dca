// SPDX-License-Identifier: LGPL-2.1-or-later
// The C API: task handles, expiration handlers, completion, progress.
#include "CApi.h"
#include "TaskImpl.h"
#include "Time.h"

#include <cstdlib>
#include <cstring>

using namespace bgtask;

namespace {

// A counted reference to a handle, for the expiration handler to hold while it may be called.
class HandleRef {
public:
    explicit HandleRef(bgtask_task* task) noexcept
        : task_(bgtask_task_ref(task))
    {
    }
    HandleRef(const HandleRef& other) noexcept
        : task_(bgtask_task_ref(other.task_))
    {
    }
    HandleRef& operator=(const HandleRef&) = delete;
    ~HandleRef() { bgtask_task_unref(task_); }
    bgtask_task* get() const noexcept { return task_; }

private:
    bgtask_task* task_;
};

ContinuedProcessingTask* continued(const bgtask_task* task)
{
    return dynamic_cast<ContinuedProcessingTask*>(task->task.get());
}

char* duplicateOrNull(const std::string& text)
{
    return ::strdup(text.c_str());
}

} // namespace

namespace bgtask::capi {

bgtask_task* newTaskHandle(const std::shared_ptr<Task>& task)
{
    auto* handle = new bgtask_task{task};
    // The library's reference ends with the task, however it is completed. No other message is
    // processed before the launch handler that receives the handle has run, so nothing can have
    // completed the task yet.
    detail::TaskAccess::impl(*task).setCompletionObserver([handle] { bgtask_task_unref(handle); });
    return handle;
}

} // namespace bgtask::capi

extern "C" {

bgtask_task* bgtask_task_ref(bgtask_task* task)
{
    if (task != nullptr)
        task->refs.fetch_add(1, std::memory_order_relaxed);
    return task;
}

void bgtask_task_unref(bgtask_task* task)
{
    if (task != nullptr && task->refs.fetch_sub(1, std::memory_order_acq_rel) == 1)
        delete task;
}

const char* bgtask_task_get_identifier(const bgtask_task* task)
{
    return task->task->identifier().c_str();
}

bgtask_kind bgtask_task_get_kind(const bgtask_task* task)
{
    return static_cast<bgtask_kind>(task->task->kind());
}

int64_t bgtask_task_get_deadline(const bgtask_task* task)
{
    const auto deadline = task->task->deadline();
    return deadline ? detail::toMicros(*deadline) : 0;
}

bool bgtask_task_is_simulated(const bgtask_task* task)
{
    return task->task->isSimulated();
}

void bgtask_task_set_expiration_handler(bgtask_task* task, bgtask_expiration_handler handler, void* user_data)
{
    if (handler == nullptr) {
        task->task->setExpirationHandler({});
        return;
    }
    task->task->setExpirationHandler([ref = HandleRef(task), handler, user_data](const ExpirationReason& reason) {
        handler(ref.get(), static_cast<bgtask_expiration_reason>(reason.code), reason.name.c_str(), user_data);
    });
}

void bgtask_task_set_completed(bgtask_task* task, bool success)
{
    // Completing may release the handle (and with it the task): keep the task for the call.
    auto keep = task->task;
    keep->setTaskCompleted(success);
}

bool bgtask_task_is_completed(const bgtask_task* task)
{
    return task->task->isCompleted();
}

uint8_t* bgtask_task_get_checkpoint(const bgtask_task* task, size_t* size)
{
    *size = 0;
    try {
        const auto data = task->task->checkpoint();
        if (data.empty())
            return nullptr;
        auto* copy = static_cast<uint8_t*>(std::malloc(data.size()));
        if (copy == nullptr)
            return nullptr;
        std::memcpy(copy, data.data(), data.size());
        *size = data.size();
        return copy;
    } catch (...) {
        return nullptr;
    }
}

int bgtask_task_save_checkpoint(bgtask_task* task, const void* data, size_t size, bgtask_error** error)
{
    return capi::guarded(error, [&] {
        const auto* bytes = static_cast<const std::uint8_t*>(data);
        task->task->saveCheckpoint(std::span<const std::uint8_t>(bytes, bytes == nullptr ? 0 : size));
        return 0;
    });
}

int bgtask_task_set_progress(bgtask_task* task, int64_t completed_unit_count, int64_t total_unit_count)
{
    auto* c = continued(task);
    if (c == nullptr)
        return -1;
    c->progress().setUnitCounts(completed_unit_count, total_unit_count);
    return 0;
}

int64_t bgtask_task_get_completed_unit_count(const bgtask_task* task)
{
    auto* c = continued(task);
    return c ? c->progress().completedUnitCount() : 0;
}

int64_t bgtask_task_get_total_unit_count(const bgtask_task* task)
{
    auto* c = continued(task);
    return c ? c->progress().totalUnitCount() : 0;
}

int bgtask_task_update_title(bgtask_task* task, const char* title, const char* subtitle)
{
    auto* c = continued(task);
    if (c == nullptr || title == nullptr)
        return -1;
    try {
        c->updateTitle(title, subtitle ? subtitle : "");
    } catch (...) {
        return -1;
    }
    return 0;
}

char* bgtask_task_get_title(const bgtask_task* task)
{
    try {
        auto* c = continued(task);
        return duplicateOrNull(c ? c->title() : std::string());
    } catch (...) {
        return nullptr;
    }
}

char* bgtask_task_get_subtitle(const bgtask_task* task)
{
    try {
        auto* c = continued(task);
        return duplicateOrNull(c ? c->subtitle() : std::string());
    } catch (...) {
        return nullptr;
    }
}

} // extern "C"

static_assert(static_cast<int>(ExpirationReason::Code::Other) == BGTASK_EXPIRATION_OTHER);
static_assert(static_cast<int>(ExpirationReason::Code::UserCancelled) == BGTASK_EXPIRATION_USER_CANCELLED);
