// SPDX-License-Identifier: LGPL-2.1-or-later
// The daemon's WAL checkpoints, off the loop: hooks the loop's Store to a store::WalCheckpointer
// on the same file, whose worker thread checkpoints while the loop goes on committing (issue
// 13 item 5: auto-checkpoints inside a commit were the outliers of another app's Submit under a
// flood). A failed checkpoint is logged and tried again after a later commit. Borrows the store,
// which must outlive it; the destructor unhooks the store, then joins the worker.
#pragma once

#include "store/WalCheckpointer.h"

#include <filesystem>

namespace bgtask::store {
class Store;
}

namespace bgtask::app {

class WalCheckpoints {
public:
    WalCheckpoints(store::Store& store, const std::filesystem::path& databaseFile);
    ~WalCheckpoints();
    WalCheckpoints(const WalCheckpoints&) = delete;
    WalCheckpoints& operator=(const WalCheckpoints&) = delete;

private:
    store::Store& store_;
    store::WalCheckpointer checkpointer_;
};

} // namespace bgtask::app
