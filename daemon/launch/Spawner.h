// SPDX-License-Identifier: LGPL-2.1-or-later
// Starts a manifest's Exec command where neither bus activation nor systemd serves, the way a
// service manager would: an empty signal mask and default dispositions (bgtaskd blocks SIGTERM,
// SIGINT and SIGHUP for its own signal handling), its own session, stdin on /dev/null and
// stdout/stderr to the journal where there is one (else /dev/null), the manifest's User= when
// bgtaskd runs as root. Owns a pidfd for each child from the moment it exists, watched in the
// sd-event loop so that every child is reaped (no zombies), and signals children only through
// it. Borrows the loop.
#pragma once

#include "core/Time.h"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

typedef struct sd_event sd_event;
typedef struct sd_event_source sd_event_source;

namespace bgtask::launch {

class Spawner {
public:
    Spawner(sd_event* loop, core::Duration killDelay);
    ~Spawner();
    Spawner(const Spawner&) = delete;
    Spawner& operator=(const Spawner&) = delete;

    // Splits exec on whitespace (no shell, no quoting), runs it as `user` (nullopt: as bgtaskd)
    // and returns its pid once exec succeeded. Throws core::Error(Internal, "exec-failed").
    int spawn(const std::string& exec, const std::optional<std::string>& user, const std::string& tag);
    // Whether pid is a child of ours that has not exited yet, or a descendant of one (the
    // process that owns the app's name may be a child of what Exec started).
    bool spawned(int pid) const;
    // SIGTERM through the child's pidfd and, if it is still there after the kill delay,
    // SIGKILL. False when pid is no live child of ours (nothing is signalled then).
    bool terminate(int pid);

private:
    struct Child {
        int pidfd = -1;
        std::string tag;                        // for logs: the app id
        sd_event_source* exitWatch = nullptr;   // the pidfd turning readable: it exited
        sd_event_source* killTimer = nullptr;
    };
    static int onExit(sd_event_source* source, int fd, std::uint32_t events, void* self);
    static int onKillTimer(sd_event_source* source, std::uint64_t usec, void* self);
    void reap(int pid);

    sd_event* loop_;
    core::Duration killDelay_;
    std::map<int, Child> children_;   // pid → child, until reaped
};

} // namespace bgtask::launch
