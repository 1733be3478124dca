// SPDX-License-Identifier: LGPL-2.1-or-later
// Brings an app up for background work: StartServiceByName on its bus name with an explicit
// timeout, and, when activation is unavailable or fails, the manifest's Exec command spawned
// directly in its own session. Borrows the bus connection.
#pragma once

#include "core/Manifest.h"
#include "core/Time.h"

#include <sdbus-c++/IProxy.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace bgtask::launch {

struct ActivationResult {
    bool ok = false;
    bool startedByUs = false;   // the app was not running and was started for this activation
    std::string error;          // "sub-reason: text" when !ok
    bool unreachable = false;   // !ok because the bus cannot start the name at all (core/Reachability.h)
};

class Activator {
public:
    Activator(sdbus::IConnection& connection, core::Duration timeout);

    void activate(const core::Manifest& app, std::function<void(ActivationResult)> done);

    // Splits an Exec line on whitespace (no shell, no quoting) and spawns it with setsid.
    // Returns the pid, or throws core::Error(…, "exec-failed").
    static int spawn(const std::string& exec);

private:
    std::unique_ptr<sdbus::IProxy> bus_;
    core::Duration timeout_;
};

} // namespace bgtask::launch
