// SPDX-License-Identifier: LGPL-2.1-or-later
// The few process primitives the launch targets share: pidfds (open, signal, has it exited),
// a process's fields from /proc/<pid>/stat, and the monotonic clock sd-event timers use. Plain
// functions; they own nothing (a pidfd returned is the caller's to close).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace bgtask::launch {

int pidfdOpen(int pid);                 // -1 with errno on failure
int pidfdSignal(int pidfd, int signal); // 0, or -1 with errno
// The process behind the pidfd has exited (a zombie its parent has not reaped yet counts).
bool pidfdExited(int pidfd);

// Field `field` (1-based, as proc(5) numbers them; from 3 on, after the command name, which
// may hold spaces and ')') of /proc/<pid>/stat; nullopt when the process or field is absent.
std::optional<std::string> procStatField(int pid, int field);

std::uint64_t monotonicUsec();

} // namespace bgtask::launch
