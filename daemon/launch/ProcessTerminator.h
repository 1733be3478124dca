// SPDX-License-Identifier: LGPL-2.1-or-later
// Terminates the process behind an app's bus connection without ever hitting another process:
// the process is pinned when the connection is first seen (its pid from the bus daemon, a
// pidfd opened on it, and its start time from /proc/<pid>/stat read before and after, so a pid
// recycled in between is refused), and later only that pidfd is signalled: SIGTERM, then
// SIGKILL after the kill delay unless it has exited meanwhile. There is no pid lookup at
// termination time. Owns the pidfds; borrows the bus connection and the sd-event loop.
#pragma once

#include "core/Time.h"

#include <sdbus-c++/IProxy.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

typedef struct sd_event sd_event;
typedef struct sd_event_source sd_event_source;

namespace bgtask::launch {

class ProcessTerminator {
public:
    ProcessTerminator(sdbus::IConnection& connection, sd_event* loop, core::Duration killDelay);
    ~ProcessTerminator();
    ProcessTerminator(const ProcessTerminator&) = delete;
    ProcessTerminator& operator=(const ProcessTerminator&) = delete;

    // Pins the connection's process (once; later calls only wait for the first). done(pid) when
    // pinned, done(0) when it could not be (the connection left, the pid was reused).
    void pin(const std::string& connection, std::function<void(int pid)> done = {});
    // The connection closed: its pin goes (a kill timer already running keeps its pidfd).
    void forget(const std::string& connection);
    // The pinned pid of the connection, 0 when none.
    int pinnedPid(const std::string& connection) const;
    // SIGTERM through the pinned pidfd, SIGKILL after the kill delay unless the process has
    // exited (a zombie not yet reaped counts as exited). False when nothing is pinned.
    bool terminate(const std::string& connection);

    // A process's start time (field 22 of /proc/<pid>/stat, in clock ticks since boot); 0 when
    // the process does not exist.
    static unsigned long long startTime(int pid);

private:
    struct Pin {
        int pid = 0;
        int pidfd = -1;
        bool resolving = true;
        std::vector<std::function<void(int)>> waiting;
    };
    struct Kill {
        int pid = 0;
        int pidfd = -1;
        sd_event_source* timer = nullptr;
    };
    void pinned(const std::string& connection, int pid);
    static int onKillTimer(sd_event_source* source, std::uint64_t usec, void* self);

    std::unique_ptr<sdbus::IProxy> bus_;
    sd_event* loop_;
    core::Duration killDelay_;
    std::map<std::string, Pin> pins_;   // connection → its process
    std::vector<Kill> kills_;           // SIGTERM sent, SIGKILL pending
};

} // namespace bgtask::launch
