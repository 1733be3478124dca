// SPDX-License-Identifier: LGPL-2.1-or-later
// Brings an app up for background work: StartServiceByName on its bus name with an explicit
// timeout, and, when activation is unavailable or fails, the manifest's Exec command through
// the spawner. Borrows the bus connection and the spawner.
#pragma once

#include "core/Manifest.h"
#include "core/Time.h"
#include "Spawner.h"

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
};

class Activator {
public:
    Activator(sdbus::IConnection& connection, core::Duration timeout, Spawner& spawner);

    void activate(const core::Manifest& app, std::function<void(ActivationResult)> done);

private:
    ActivationResult viaExec(const core::Manifest& app, const std::string& why);

    std::unique_ptr<sdbus::IProxy> bus_;
    core::Duration timeout_;
    Spawner& spawner_;
};

} // namespace bgtask::launch
