// SPDX-License-Identifier: LGPL-2.1-or-later
#include "CommitQueue.h"

namespace bgtask::service {

CommitQueue::CommitQueue(store::Store& store, std::function<void()> scheduleFlush,
                         std::function<void()> onFailure)
    : store_(store), scheduleFlush_(std::move(scheduleFlush)), onFailure_(std::move(onFailure))
{
}

void CommitQueue::enqueue(Write write, Done done)
{
    if (pending_.empty())
        scheduleFlush_();
    pending_.push_back({std::move(write), std::move(done)});
}

void CommitQueue::flush()
{
    if (pending_.empty())
        return;
    auto batch = std::move(pending_);
    pending_.clear();

    std::optional<core::Error> failure;
    try {
        store::Store::Transaction txn(store_);
        for (auto& item : batch)
            item.write(store_);
        txn.commit();
    } catch (const core::Error& e) {
        failure = e;
    } catch (const std::exception& e) {
        failure = core::Error(core::ErrorCode::Internal, "store-failed", e.what());
    }
    if (failure && onFailure_)
        onFailure_();
    for (auto& item : batch)
        if (item.done)
            item.done(failure ? &*failure : nullptr);
}

} // namespace bgtask::service
