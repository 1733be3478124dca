// SPDX-License-Identifier: LGPL-2.1-or-later
// Reloads the manifests for SIGHUP and for the apps-directory watch without holding the loop:
// the directories are read and parsed on a worker thread (ManifestRegistry::scan, a pure
// function of the files), and only the result is applied on the loop (the registry swapped,
// then `applied` for the rest: name watches, removed apps' requests, schedules, a plan). A
// request while a reload is in flight coalesces into one more reload after it, so there is never
// more than one reading thread, and a change made during a reading is never missed. Owns its
// worker; borrows the loop and the registry.
#pragma once

#include "OffLoop.h"

#include "service/ManifestRegistry.h"

#include <functional>
#include <string>

namespace bgtask::app {

class ManifestReloader {
public:
    // applied(cause) runs on the loop after each reload was applied to the registry.
    ManifestReloader(EventLoop& loop, service::ManifestRegistry& registry,
                     std::function<void(const std::string& cause)> applied);

    // Starts a reload, or asks for one more after the one in flight.
    void request(std::string cause);
    bool inFlight() const { return inFlight_; }

private:
    void start(std::string cause);

    service::ManifestRegistry& registry_;
    std::function<void(const std::string&)> applied_;
    OffLoop worker_;
    bool inFlight_ = false;
    std::string again_;   // the cause of the reload asked for while one was in flight
};

} // namespace bgtask::app
