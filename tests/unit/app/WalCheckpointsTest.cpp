// SPDX-License-Identifier: LGPL-2.1-or-later
// The daemon's checkpoints of the store's WAL: how loud a failed one is, on a real database
// whose checkpoint lock another open file description holds.
#include "../store/TempDir.h"

#include "app/WalCheckpoints.h"
#include "core/Error.h"
#include "service/Log.h"
#include "store/Store.h"

#include <catch2/catch.hpp>
#include <spdlog/sinks/ringbuffer_sink.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>

using namespace bgtask;
using bgtask::store::Store;
using bgtask::store::test::TempDir;

namespace {

const core::TimePoint kT0 = core::fromUsec(1'767'225'600'000'000);   // 2026-01-01T00:00:00Z

void submit(Store& store, int n)
{
    core::TaskRequest r;
    r.app = "org.example.App";
    r.identifier = "org.example.task" + std::to_string(n);
    r.kind = core::TaskKind::Processing;
    r.submittedAt = kT0;
    Store::Transaction txn(store);
    store.upsertRequest(r);
    txn.commit();
}

// The "store" logger's lines as "LEVEL message", recorded for the length of a test.
struct LogCapture {
    std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(64);
    std::shared_ptr<spdlog::logger> log = service::logger("store");
    spdlog::level::level_enum level = log->level();
    LogCapture()
    {
        sink->set_pattern("%l %v");
        log->sinks().push_back(sink);
        log->set_level(spdlog::level::debug);
    }
    ~LogCapture()
    {
        log->sinks().pop_back();
        log->set_level(level);
    }
    long count(const std::string& prefix) const
    {
        const auto lines = sink->last_formatted();
        return std::count_if(lines.begin(), lines.end(),
                             [&](const std::string& line) { return line.rfind(prefix, 0) == 0; });
    }
};

// Whether the main database file (not its WAL) holds these bytes: what a checkpoint copied in.
bool inDatabaseFile(const std::filesystem::path& database, const std::string& text)
{
    std::ifstream in(database, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return bytes.find(text) != std::string::npos;
}

// SQLite's checkpoint lock: byte 121 of the -shm file (WALINDEX_LOCK_OFFSET 120 + WAL_CKPT_LOCK
// 1, part of SQLite's file format), taken as another checkpointing connection would. An open
// file description lock conflicts with SQLite's own record locks even within this process.
class CheckpointLockHolder {
public:
    explicit CheckpointLockHolder(const std::filesystem::path& database)
        : fd_(::open((database.string() + "-shm").c_str(), O_RDWR | O_CLOEXEC))
    {
        if (fd_ < 0)
            throw std::system_error(errno, std::generic_category(), "open -shm");
        struct flock lock {};
        lock.l_type = F_WRLCK;
        lock.l_whence = SEEK_SET;
        lock.l_start = 121;
        lock.l_len = 1;
        if (::fcntl(fd_, F_OFD_SETLK, &lock) != 0)
            throw std::system_error(errno, std::generic_category(), "F_OFD_SETLK");
    }
    ~CheckpointLockHolder() { ::close(fd_); }
    CheckpointLockHolder(const CheckpointLockHolder&) = delete;
    CheckpointLockHolder& operator=(const CheckpointLockHolder&) = delete;

private:
    int fd_;
};

} // namespace

TEST_CASE("A checkpoint that finds the checkpoint lock taken is a debug line, and the next commit tries again")
{
    TempDir dir;
    const auto file = dir / "bgtaskd.db";
    Store store(file);
    LogCapture capture;
    app::WalCheckpoints checkpoints(store, file, {.passiveFrames = 8, .truncateFrames = 1'000'000});
    {
        CheckpointLockHolder other(file);
        for (int n = 0; n < 20; ++n)
            submit(store, n);
        checkpoints.waitIdle();
        CHECK(capture.count("debug Failed to checkpoint the write-ahead log: storage-busy") >= 1);
        CHECK(capture.count("warning ") == 0);
        CHECK_FALSE(inDatabaseFile(file, "org.example.task0"));   // still only in the log
    }
    const auto failures = capture.count("debug Failed to checkpoint");
    for (int n = 20; n < 40; ++n)
        submit(store, n);
    checkpoints.waitIdle();
    CHECK(capture.count("debug Failed to checkpoint") == failures);
    CHECK(capture.count("warning ") == 0);
    // The commit of task 20 asked for a checkpoint of a log that already held 20 commits.
    CHECK(inDatabaseFile(file, "org.example.task0"));
    CHECK(inDatabaseFile(file, "org.example.task20"));
    CHECK(store.loadRequests().size() == 40);
}

TEST_CASE("Only a busy PASSIVE checkpoint is routine: a busy TRUNCATE one or any other failure is a warning")
{
    const core::Error busy(core::ErrorCode::Unavailable, "storage-busy", "checkpoint: database is locked");
    const core::Error io(core::ErrorCode::Unavailable, "storage-io", "checkpoint: disk I/O error");
    const core::Error full(core::ErrorCode::Unavailable, "storage-full", "checkpoint: database or disk is full");
    CHECK(app::checkpointFailureLevel(busy, false) == spdlog::level::debug);
    CHECK(app::checkpointFailureLevel(busy, true) == spdlog::level::warn);
    CHECK(app::checkpointFailureLevel(io, false) == spdlog::level::warn);
    CHECK(app::checkpointFailureLevel(full, true) == spdlog::level::warn);
}
