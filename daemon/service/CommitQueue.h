// SPDX-License-Identifier: LGPL-2.1-or-later
// Group commit: writes staged by many callers during one turn of the event loop are committed
// in one durable SQLite transaction, and only then are the callers answered. This is what lets
// 16 clients submit at many times the rate of one fsync per request.
#pragma once

#include "core/Error.h"
#include "store/Store.h"

#include <functional>
#include <optional>
#include <vector>

namespace bgtask::service {

class CommitQueue {
public:
    using Write = std::function<void(store::Store&)>;
    // Called after the batch's commit: nullptr on success, else the error every write shares.
    using Done = std::function<void(const core::Error*)>;

    // scheduleFlush is called (once per batch) to ask the event loop to call flush() after it
    // has dispatched the messages at hand. onFailure runs after a failed batch, before the
    // callers are answered (the service reloads its in-memory state from the store there).
    CommitQueue(store::Store& store, std::function<void()> scheduleFlush,
                std::function<void()> onFailure);

    void enqueue(Write write, Done done);
    void flush();
    bool empty() const { return pending_.empty(); }

private:
    struct Item {
        Write write;
        Done done;
    };
    store::Store& store_;
    std::function<void()> scheduleFlush_;
    std::function<void()> onFailure_;
    std::vector<Item> pending_;
};

} // namespace bgtask::service
