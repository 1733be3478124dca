// SPDX-License-Identifier: LGPL-2.1-or-later
// The WAL is checkpointed by store::WalCheckpointer's worker over its own connection, never by
// the store's connection inside a commit, and it stays bounded.
#include "TempDir.h"

#include "store/Store.h"
#include "store/WalCheckpointer.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

using namespace bgtask;
using bgtask::store::Store;
using bgtask::store::WalCheckpointer;
using bgtask::store::WalCheckpointLimits;
using bgtask::store::test::TempDir;

namespace {

const core::TimePoint kT0 = core::fromUsec(1'767'225'600'000'000);   // 2026-01-01T00:00:00Z

core::TaskRequest request(int n, std::string title = {})
{
    core::TaskRequest r;
    r.app = "org.example.App" + std::to_string(n % 10);
    r.identifier = "org.example.task" + std::to_string(n);
    r.kind = core::TaskKind::Processing;
    r.submittedAt = kT0;
    if (!title.empty())
        r.options.title = std::move(title);
    return r;
}

void submit(Store& store, int n)
{
    Store::Transaction txn(store);
    store.upsertRequest(request(n));
    txn.commit();
}

std::uintmax_t walBytes(const std::filesystem::path& db)
{
    std::error_code ignored;
    const auto size = std::filesystem::file_size(db.string() + "-wal", ignored);
    return ignored ? 0 : size;
}

bool everRestarted(const std::vector<int>& frames)
{
    return std::adjacent_find(frames.begin(), frames.end(), [](int a, int b) { return b < a; }) != frames.end();
}

} // namespace

TEST_CASE("Once a listener takes the WAL's commits, the store's connection never checkpoints it")
{
    TempDir dir;
    const auto file = dir / "bgtaskd.db";
    Store store(file);
    std::vector<int> frames;
    store.onWalCommit([&frames](int n) { frames.push_back(n); });
    // Well past the 1,000 frames at which SQLite checkpoints inside a commit by default.
    for (int n = 0; n < 10000 && (frames.empty() || frames.back() <= 2000); ++n)
        submit(store, n);
    REQUIRE(frames.back() > 2000);
    CHECK_FALSE(everRestarted(frames));   // the log only grew: nothing was copied out of it
    CHECK(walBytes(file) >= static_cast<std::uintmax_t>(frames.back()) * 4096);

    // Unhooked, the connection still does not checkpoint by itself.
    store.onWalCommit({});
    const auto before = walBytes(file);
    for (int n = 0; n < 200; ++n)
        submit(store, 20000 + n);
    CHECK(walBytes(file) > before);
}

TEST_CASE("The worker checkpoints the WAL, which restarts from its beginning and stays bounded")
{
    TempDir dir;
    const auto file = dir / "bgtaskd.db";
    Store store(file);
    const auto databaseBefore = std::filesystem::file_size(file);
    WalCheckpointer checkpointer(file, WalCheckpointLimits{.passiveFrames = 64, .truncateFrames = 1'000'000});
    std::vector<int> frames;
    store.onWalCommit([&](int n) {
        frames.push_back(n);
        checkpointer.walCommitted(n);
    });
    constexpr int kRequests = 2000;
    for (int n = 0; n < kRequests; ++n) {
        submit(store, n);
        if (n % 10 == 9)   // the worker gets its turn; without it the log would grow to thousands of frames
            checkpointer.waitIdle();
    }
    checkpointer.waitIdle();

    CHECK(checkpointer.checkpoints() > 0);
    CHECK(checkpointer.truncations() == 0);
    CHECK(everRestarted(frames));
    // 64 frames, then at most the commits of two rounds of 10 while a checkpoint ran.
    CHECK(*std::max_element(frames.begin(), frames.end()) < 500);
    // What was checkpointed is in the database file itself, and nothing committed was lost.
    CHECK(std::filesystem::file_size(file) > databaseBefore);
    CHECK(store.loadRequests().size() == kRequests);
}

TEST_CASE("Past the truncation limit the worker empties the WAL file")
{
    TempDir dir;
    const auto file = dir / "bgtaskd.db";
    Store store(file);
    WalCheckpointer checkpointer(file, WalCheckpointLimits{.passiveFrames = 16, .truncateFrames = 64});
    std::vector<int> frames;
    store.onWalCommit([&](int n) {
        frames.push_back(n);
        checkpointer.walCommitted(n);
    });
    {
        // One transaction: a single commit leaves far more than 64 frames in the log.
        Store::Transaction txn(store);
        for (int n = 0; n < 1000; ++n)
            store.upsertRequest(request(n, std::string(500, 't')));
        txn.commit();
    }
    REQUIRE(frames.back() >= 64);
    checkpointer.waitIdle();
    CHECK(checkpointer.truncations() == 1);
    CHECK(walBytes(file) == 0);
    CHECK(store.loadRequests().size() == 1000);
}

TEST_CASE("A WAL that grew past 4 MiB is cut back to 4 MiB when it restarts")
{
    TempDir dir;
    const auto file = dir / "bgtaskd.db";
    Store store(file);
    WalCheckpointer checkpointer(file, WalCheckpointLimits{.passiveFrames = 16, .truncateFrames = 1'000'000});
    store.onWalCommit([&](int n) { checkpointer.walCommitted(n); });
    {
        Store::Transaction txn(store);
        for (int n = 0; n < 2000; ++n)
            store.upsertRequest(request(n, std::string(3000, 't')));
        txn.commit();
    }
    REQUIRE(walBytes(file) > 5u * 1024 * 1024);
    checkpointer.waitIdle();   // a passive checkpoint copied every frame; the file keeps its size
    submit(store, 5000);       // the next commit starts the log from its beginning
    CHECK(walBytes(file) <= 4u * 1024 * 1024);
    CHECK(store.loadRequests().size() == 2001);
}

TEST_CASE("Releasing the store's memory empties its page cache")
{
    TempDir dir;
    Store store(dir / "bgtaskd.db");
    {
        Store::Transaction txn(store);
        for (int n = 0; n < 2000; ++n)
            store.upsertRequest(request(n, std::string(200, 't')));
        txn.commit();
    }
    REQUIRE(store.loadRequests().size() == 2000);
    const auto held = store.cacheBytes();
    REQUIRE(held > 100 * 1024);
    store.releaseMemory();
    CHECK(store.cacheBytes() < held / 4);
    CHECK(store.loadRequests().size() == 2000);   // read again from the file
}
