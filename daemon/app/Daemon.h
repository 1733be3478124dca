// SPDX-License-Identifier: LGPL-2.1-or-later
// The composition root: builds every layer in order (store, manifests, bus connection, service,
// adaptors, name ownership, bus name), runs the loop, and shuts down in reverse.
#pragma once

#include "Options.h"

#include <array>
#include <csignal>
#include <memory>

namespace bgtask::app {

class Daemon {
public:
    // The signals the loop handles: SIGTERM and SIGINT stop, SIGHUP reloads the manifests.
    static constexpr std::array kSignals{SIGTERM, SIGINT, SIGHUP};
    // Blocks kSignals for the process. main() calls it before anything else (before any thread
    // exists, so that every thread inherits the mask): a signal that arrives during start-up, such
    // as `systemctl reload` right after the bus name appeared, stays pending until the loop reads
    // it instead of ending the process by its default action.
    static void blockSignals();

    explicit Daemon(Options options);
    ~Daemon();
    // Returns the process exit status.
    int run();

private:
    void startStateSources();

    struct Parts;
    Options options_;
    std::unique_ptr<Parts> parts_;
};

} // namespace bgtask::app
