// SPDX-License-Identifier: LGPL-2.1-or-later
// Terminates the process behind a bus connection: asks the bus daemon for its pid, pins it with
// a pidfd (so a recycled pid is never hit), sends SIGTERM and, if it is still there after the
// kill delay, SIGKILL. Borrows the connection and the sd-event loop.
#pragma once

#include "core/Time.h"

#include <sdbus-c++/IProxy.h>

#include <memory>
#include <string>

typedef struct sd_event sd_event;

namespace bgtask::launch {

class ProcessTerminator {
public:
    ProcessTerminator(sdbus::IConnection& connection, sd_event* loop, core::Duration killDelay);

    void terminate(const std::string& connection);

private:
    void signalPid(int pid, const std::string& connection);

    std::unique_ptr<sdbus::IProxy> bus_;
    sd_event* loop_;
    core::Duration killDelay_;
};

} // namespace bgtask::launch
