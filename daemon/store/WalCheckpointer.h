// SPDX-License-Identifier: LGPL-2.1-or-later
// Checkpoints the store's WAL on a worker thread of its own, over a second connection to the
// same file, so that copying the log into the database (and its fsyncs) never runs inside a
// commit on the daemon's loop. The loop's Store reports each commit's WAL size
// (Store::onWalCommit → walCommitted); past `passiveFrames` the worker runs a PASSIVE checkpoint,
// which copies what it can without blocking anyone, so that the next commit starts the log
// from its beginning again; past `truncateFrames` (the passive ones fell behind, say readers kept
// old frames in use) a TRUNCATE one, which waits for the writer and the readers, so the file
// cannot grow without bound. One checkpoint at a time. Checkpointing moves committed frames
// from the WAL into the database file: a commit is durable when it returns either way, and a
// crash during a checkpoint is recovered from the WAL as after any other crash. Owns the
// thread and its connection; the destructor joins the thread (a checkpoint under way ends
// first).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace bgtask::core {
class Error;
}

namespace bgtask::store {

class Database;

struct WalCheckpointLimits {
    int passiveFrames = 1000;    // SQLite's own auto-checkpoint point: about 4 MiB of log
    int truncateFrames = 10000;  // about 40 MiB
};

class WalCheckpointer {
public:
    // failed(error, truncating) is called on the worker thread when a checkpoint fails: the
    // store's typed error (storage-busy when another connection holds the checkpoint lock, as
    // a PASSIVE checkpoint does not wait), and whether it was a TRUNCATE one. The next commit
    // past the limit tries again. Throws core::Error(Internal, "store-open-failed", …) when
    // the file cannot be opened.
    using FailureHandler = std::function<void(const core::Error& error, bool truncating)>;
    WalCheckpointer(const std::filesystem::path& databaseFile, WalCheckpointLimits limits = {},
                    FailureHandler failed = {});
    ~WalCheckpointer();
    WalCheckpointer(const WalCheckpointer&) = delete;
    WalCheckpointer& operator=(const WalCheckpointer&) = delete;

    // A commit left `frames` frames in the WAL. Cheap, any thread: wakes the worker past the limit.
    void walCommitted(int frames);
    // Blocks until no checkpoint is asked for or running (tests; a clean hand-over).
    void waitIdle();
    // Checkpoints run so far, and how many of them were TRUNCATE ones.
    std::uint64_t checkpoints() const;
    std::uint64_t truncations() const;

private:
    void work();

    const WalCheckpointLimits limits_;
    const FailureHandler failed_;
    std::unique_ptr<Database> db_;   // used by the worker thread only
    mutable std::mutex mutex_;
    std::condition_variable wake_;   // the worker: work asked for, or stop
    std::condition_variable idle_;   // waitIdle
    int askedFrames_ = 0;            // the largest WAL reported since the last checkpoint began; 0: none asked
    bool running_ = false;
    bool stopping_ = false;
    std::uint64_t checkpoints_ = 0;
    std::uint64_t truncations_ = 0;
    std::thread thread_;             // last: starts once everything above is set up
};

} // namespace bgtask::store
