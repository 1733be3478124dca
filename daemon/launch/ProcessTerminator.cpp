// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ProcessTerminator.h"

#include "service/Log.h"

#include <systemd/sd-event.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>

#include <sys/syscall.h>
#include <unistd.h>

namespace bgtask::launch {
namespace {

auto log() { static auto l = service::logger("launch"); return l; }

int pidfdOpen(int pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }
int pidfdSignal(int fd, int sig) { return static_cast<int>(::syscall(SYS_pidfd_send_signal, fd, sig, nullptr, 0)); }

std::uint64_t monotonicUsec()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
}

int onKillTimer(sd_event_source* source, std::uint64_t, void* userdata)
{
    const int fd = static_cast<int>(reinterpret_cast<std::intptr_t>(userdata));
    if (pidfdSignal(fd, SIGKILL) == 0)
        log()->warn("Process did not exit after SIGTERM; sent SIGKILL");
    ::close(fd);
    sd_event_source_unref(source);
    return 0;
}

} // namespace

ProcessTerminator::ProcessTerminator(sdbus::IConnection& connection, sd_event* loop,
                                     core::Duration killDelay)
    : bus_(sdbus::createProxy(connection, "org.freedesktop.DBus", "/org/freedesktop/DBus")),
      loop_(loop), killDelay_(killDelay)
{
}

void ProcessTerminator::terminate(const std::string& connection)
{
    bus_->callMethodAsync("GetConnectionUnixProcessID")
        .onInterface("org.freedesktop.DBus")
        .withTimeout(std::chrono::seconds(5))
        .withArguments(connection)
        .uponReplyInvoke([this, connection](const sdbus::Error* error, std::uint32_t pid) {
            if (error) {
                log()->warn("Failed to find the process of {}: {}, ignoring", connection, error->getMessage());
                return;
            }
            signalPid(static_cast<int>(pid), connection);
        });
}

void ProcessTerminator::signalPid(int pid, const std::string& connection)
{
    const int fd = pidfdOpen(pid);
    if (fd < 0) {
        log()->warn("Failed to open pidfd for {} (pid {}): {}, ignoring", connection, pid, std::strerror(errno));
        return;
    }
    if (pidfdSignal(fd, SIGTERM) < 0) {
        log()->warn("Failed to send SIGTERM to pid {}: {}", pid, std::strerror(errno));
        ::close(fd);
        return;
    }
    log()->info("Sent SIGTERM to pid {} ({})", pid, connection);
    sd_event_source* timer = nullptr;
    const auto at = monotonicUsec() + static_cast<std::uint64_t>(killDelay_.count());
    if (sd_event_add_time(loop_, &timer, CLOCK_MONOTONIC, at, 1000, onKillTimer,
                          reinterpret_cast<void*>(static_cast<std::intptr_t>(fd))) < 0)
        ::close(fd);
}

} // namespace bgtask::launch
