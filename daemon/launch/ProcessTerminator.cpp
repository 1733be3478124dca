// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ProcessTerminator.h"

#include "Pidfd.h"

#include "service/Log.h"

#include <systemd/sd-event.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>

#include <unistd.h>

namespace bgtask::launch {
namespace {

auto log() { static auto l = service::logger("launch"); return l; }

} // namespace

ProcessTerminator::ProcessTerminator(sdbus::IConnection& connection, sd_event* loop,
                                     core::Duration killDelay)
    : bus_(sdbus::createProxy(connection, "org.freedesktop.DBus", "/org/freedesktop/DBus")),
      loop_(loop), killDelay_(killDelay)
{
}

ProcessTerminator::~ProcessTerminator()
{
    for (auto& [connection, pin] : pins_)
        if (pin.pidfd >= 0)
            ::close(pin.pidfd);
    for (auto& kill : kills_) {
        sd_event_source_disable_unref(kill.timer);
        ::close(kill.pidfd);
    }
}

unsigned long long ProcessTerminator::startTime(int pid)
{
    const auto field = procStatField(pid, 22);
    return field ? std::strtoull(field->c_str(), nullptr, 10) : 0;
}

void ProcessTerminator::pin(const std::string& connection, std::function<void(int)> done)
{
    auto [it, fresh] = pins_.try_emplace(connection);
    if (!fresh) {
        if (!it->second.resolving) {
            if (done)
                done(it->second.pid);
        } else if (done) {
            it->second.waiting.push_back(std::move(done));
        }
        return;
    }
    if (done)
        it->second.waiting.push_back(std::move(done));
    bus_->callMethodAsync("GetConnectionUnixProcessID")
        .onInterface("org.freedesktop.DBus")
        .withTimeout(std::chrono::seconds(5))
        .withArguments(connection)
        .uponReplyInvoke([this, connection](const sdbus::Error* error, std::uint32_t pid) {
            if (error) {
                log()->debug("Cannot pin the process of {}: {}", connection, error->getMessage());
                pinned(connection, 0);
                return;
            }
            pinned(connection, static_cast<int>(pid));
        });
}

void ProcessTerminator::pinned(const std::string& connection, int pid)
{
    const auto it = pins_.find(connection);
    if (it == pins_.end())
        return;   // the connection closed meanwhile
    auto& pin = it->second;
    pin.resolving = false;
    if (pid > 0) {
        // The same start time before and after opening the pidfd: the pidfd is the process
        // that held the connection, not one that took its pid since.
        const auto before = startTime(pid);
        const int fd = before ? pidfdOpen(pid) : -1;
        if (fd >= 0 && startTime(pid) == before) {
            pin.pid = pid;
            pin.pidfd = fd;
            log()->debug("Pinned pid {} of {}", pid, connection);
        } else {
            if (fd >= 0)
                ::close(fd);
            log()->info("Process {} of {} went away before it could be pinned; it will not be signalled", pid,
                        connection);
        }
    }
    auto waiting = std::move(pin.waiting);
    const int result = pin.pid;
    for (auto& done : waiting)
        done(result);
}

void ProcessTerminator::forget(const std::string& connection)
{
    const auto it = pins_.find(connection);
    if (it == pins_.end())
        return;
    if (it->second.pidfd >= 0)
        ::close(it->second.pidfd);
    pins_.erase(it);
}

int ProcessTerminator::pinnedPid(const std::string& connection) const
{
    const auto it = pins_.find(connection);
    return it == pins_.end() ? 0 : it->second.pid;
}

bool ProcessTerminator::terminate(const std::string& connection)
{
    const auto it = pins_.find(connection);
    if (it == pins_.end() || it->second.pidfd < 0) {
        log()->warn("Failed to terminate {}: its process was never pinned, ignoring", connection);
        return false;
    }
    const int pid = it->second.pid;
    const int fd = ::dup(it->second.pidfd);
    if (fd < 0 || pidfdSignal(fd, SIGTERM) < 0) {
        log()->warn("Failed to send SIGTERM to pid {} ({}): {}", pid, connection, std::strerror(errno));
        if (fd >= 0)
            ::close(fd);
        return false;
    }
    log()->info("Sent SIGTERM to pid {} ({})", pid, connection);
    Kill kill{pid, fd, nullptr};
    const auto at = monotonicUsec() + static_cast<std::uint64_t>(killDelay_.count());
    if (sd_event_add_time(loop_, &kill.timer, CLOCK_MONOTONIC, at, 1000, &ProcessTerminator::onKillTimer, this) < 0) {
        ::close(fd);
        return true;
    }
    kills_.push_back(kill);
    return true;
}

int ProcessTerminator::onKillTimer(sd_event_source* source, std::uint64_t, void* self)
{
    auto& terminator = *static_cast<ProcessTerminator*>(self);
    for (auto it = terminator.kills_.begin(); it != terminator.kills_.end(); ++it) {
        if (it->timer != source)
            continue;
        // A process that already exited (a zombie its parent has not reaped yet) is not one
        // that "did not exit": no SIGKILL, no warning.
        if (pidfdExited(it->pidfd))
            log()->debug("Pid {} exited after SIGTERM (perhaps not reaped yet); no SIGKILL", it->pid);
        else if (pidfdSignal(it->pidfd, SIGKILL) == 0)
            log()->warn("Pid {} did not exit after SIGTERM; sent SIGKILL", it->pid);
        ::close(it->pidfd);
        sd_event_source_disable_unref(it->timer);
        terminator.kills_.erase(it);
        break;
    }
    return 0;
}

} // namespace bgtask::launch
