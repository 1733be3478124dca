// SPDX-License-Identifier: LGPL-2.1-or-later
// Brings an app up for background work: StartServiceByName on its bus name with an explicit
// timeout, and, when activation is unavailable or fails, the manifest's Exec command: in a
// transient unit of the service manager on the daemon's bus where there is one
// (StartTransientUnit, followed by the unit follower under the run's id), else through the
// spawner. Each transient unit gets a name of its own (the run and the attempt) and a key of its
// own in the follower. Borrows the bus connection, the spawner and the transient units' follower.
#pragma once

#include "core/Manifest.h"
#include "core/Time.h"
#include "Spawner.h"
#include "UnitFollower.h"

#include <sdbus-c++/IProxy.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace bgtask::launch {

struct ActivationResult {
    bool ok = false;
    // The bus daemon started the app for this call (DBUS_START_REPLY_SUCCESS, not
    // ALREADY_RUNNING), or bgtaskd spawned its Exec command (spawnedPid).
    bool startedByUs = false;
    std::string error;          // "sub-reason: text" when !ok
    bool unreachable = false;   // !ok because the bus cannot start the name at all (core/Reachability.h)
    int spawnedPid = 0;         // the Exec command's process, a child of bgtaskd
    std::string unit = {};      // the transient unit the Exec command runs in ("" if none),
    std::int64_t unitKey = 0;   // followed under this key (one per unit, never reused)
};

class Activator {
public:
    // units: where Exec commands start as transient units (nullptr: always spawned). stopTimeout:
    // the units' TimeoutStopSec=, after which systemd kills what is left of them.
    Activator(sdbus::IConnection& connection, core::Duration timeout, Spawner& spawner,
              UnitFollower* units, core::Duration stopTimeout);

    // runId and attempt (1 for the run's first activation, then 2, …): the run the activation
    // is for and how often it was activated for it, which name a transient unit.
    void activate(const core::Manifest& app, std::int64_t runId, int attempt,
                  std::function<void(ActivationResult)> done);

private:
    using Done = std::function<void(ActivationResult)>;
    // A transient unit where the service manager answers, else the spawner.
    void viaExec(const core::Manifest& app, std::int64_t runId, int attempt, const std::string& why, Done done);
    ActivationResult spawn(const core::Manifest& app, const std::string& why);

    std::unique_ptr<sdbus::IProxy> bus_;
    core::Duration timeout_;
    Spawner& spawner_;
    UnitFollower* units_;
    core::Duration stopTimeout_;
    std::int64_t nextUnitKey_ = 1;
};

} // namespace bgtask::launch
