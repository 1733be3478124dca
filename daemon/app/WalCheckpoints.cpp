// SPDX-License-Identifier: LGPL-2.1-or-later
#include "WalCheckpoints.h"

#include "core/Error.h"
#include "service/Log.h"
#include "store/Store.h"

namespace bgtask::app {
namespace {
auto log() { static auto l = service::logger("store"); return l; }
} // namespace

spdlog::level::level_enum checkpointFailureLevel(const core::Error& error, bool truncating)
{
    if (error.subReason() == "storage-busy" && !truncating)
        return spdlog::level::debug;
    return spdlog::level::warn;
}

WalCheckpoints::WalCheckpoints(store::Store& store, const std::filesystem::path& databaseFile,
                               store::WalCheckpointLimits limits)
    : store_(store),
      checkpointer_(databaseFile, limits, [](const core::Error& error, bool truncating) {
          // The worker's thread: spdlog's loggers are thread-safe.
          log()->log(checkpointFailureLevel(error, truncating),
                     "Failed to {}checkpoint the write-ahead log: {}; trying again after a later commit",
                     truncating ? "truncate and " : "", error.what());
      })
{
    store_.onWalCommit([this](int frames) { checkpointer_.walCommitted(frames); });
}

WalCheckpoints::~WalCheckpoints()
{
    // Commits after this (none are expected) leave the WAL to grow until the store closes,
    // which checkpoints it.
    store_.onWalCommit({});
}

} // namespace bgtask::app
