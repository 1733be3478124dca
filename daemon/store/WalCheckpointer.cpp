// SPDX-License-Identifier: LGPL-2.1-or-later
#include "WalCheckpointer.h"

#include "Database.h"

#include "../core/Error.h"

#include <algorithm>
#include <optional>

namespace bgtask::store {

WalCheckpointer::WalCheckpointer(const std::filesystem::path& databaseFile, WalCheckpointLimits limits,
                                 FailureHandler failed)
    : limits_(limits), failed_(std::move(failed)), db_(std::make_unique<Database>(databaseFile))
{
    // A checkpoint syncs the WAL before it copies and the database after, as the store commits.
    db_->execute("PRAGMA synchronous = FULL");
    // This connection never writes; it must not checkpoint behind the worker's back either.
    db_->execute("PRAGMA wal_autocheckpoint = 0");
    thread_ = std::thread([this] { work(); });
}

WalCheckpointer::~WalCheckpointer()
{
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void WalCheckpointer::walCommitted(int frames)
{
    if (frames < limits_.passiveFrames)
        return;
    {
        std::lock_guard lock(mutex_);
        askedFrames_ = std::max(askedFrames_, frames);
    }
    wake_.notify_one();
}

void WalCheckpointer::waitIdle()
{
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return stopping_ || (askedFrames_ == 0 && !running_); });
}

std::uint64_t WalCheckpointer::checkpoints() const
{
    std::lock_guard lock(mutex_);
    return checkpoints_;
}

std::uint64_t WalCheckpointer::truncations() const
{
    std::lock_guard lock(mutex_);
    return truncations_;
}

void WalCheckpointer::work()
{
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stopping_ || askedFrames_ > 0; });
        if (stopping_)
            break;
        const bool truncate = askedFrames_ >= limits_.truncateFrames;
        askedFrames_ = 0;
        running_ = true;
        lock.unlock();
        std::optional<core::Error> failure;
        try {
            db_->checkpoint(truncate);
        } catch (const core::Error& e) {
            failure = e;
        }
        // Between checkpoints the connection holds nothing: no page of the database stays cached.
        db_->releaseMemory();
        if (failure && failed_)
            failed_(*failure, truncate);
        lock.lock();
        running_ = false;
        ++checkpoints_;
        if (truncate)
            ++truncations_;
        idle_.notify_all();
    }
    running_ = false;
    idle_.notify_all();
}

} // namespace bgtask::store
