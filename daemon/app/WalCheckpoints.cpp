// SPDX-License-Identifier: LGPL-2.1-or-later
#include "WalCheckpoints.h"

#include "service/Log.h"
#include "store/Store.h"

namespace bgtask::app {
namespace {
auto log() { static auto l = service::logger("store"); return l; }
} // namespace

WalCheckpoints::WalCheckpoints(store::Store& store, const std::filesystem::path& databaseFile)
    : store_(store),
      checkpointer_(databaseFile, {}, [](const std::string& failure) {
          // The worker's thread: spdlog's loggers are thread-safe.
          log()->warn("Failed to checkpoint the write-ahead log: {}; trying again after a later commit", failure);
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
