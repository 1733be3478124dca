// SPDX-License-Identifier: LGPL-2.1-or-later
// The composition root: builds every layer in order (store, manifests, bus connection, service,
// adaptors, name ownership, bus name), runs the loop, and shuts down in reverse.
#pragma once

#include "Options.h"

#include <memory>

namespace bgtask::app {

class Daemon {
public:
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
