// SPDX-License-Identifier: LGPL-2.1-or-later
// The daemon's WAL checkpoints, off the loop: hooks the loop's Store to a store::WalCheckpointer
// on the same file, whose worker thread checkpoints while the loop goes on committing (issue
// 13 item 5: auto-checkpoints inside a commit were the outliers of another app's Submit under a
// flood). A failed checkpoint is logged and tried again after a later commit. Borrows the store,
// which must outlive it; the destructor unhooks the store, then joins the worker.
#pragma once

#include "store/WalCheckpointer.h"

#include <spdlog/common.h>

#include <filesystem>

namespace bgtask::core {
class Error;
}

namespace bgtask::store {
class Store;
}

namespace bgtask::app {

// How loud a failed checkpoint is. A PASSIVE checkpoint that found the checkpoint lock taken
// (storage-busy: another connection, say an administrator's sqlite3 shell, checkpointing at the
// same moment) is routine and retried after a later commit: debug. Anything else, and a busy
// TRUNCATE one (the log has grown past its limit and may keep growing), is a warning.
spdlog::level::level_enum checkpointFailureLevel(const core::Error& error, bool truncating);

class WalCheckpoints {
public:
    WalCheckpoints(store::Store& store, const std::filesystem::path& databaseFile,
                   store::WalCheckpointLimits limits = {});
    ~WalCheckpoints();
    WalCheckpoints(const WalCheckpoints&) = delete;
    WalCheckpoints& operator=(const WalCheckpoints&) = delete;

    // Blocks until no checkpoint is asked for or running (tests).
    void waitIdle() { checkpointer_.waitIdle(); }

private:
    store::Store& store_;
    store::WalCheckpointer checkpointer_;
};

} // namespace bgtask::app
