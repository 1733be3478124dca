// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Activator.h"

#include "core/Error.h"
#include "core/Reachability.h"
#include "service/Log.h"

#include <cerrno>
#include <cstring>
#include <sstream>

#include <spawn.h>

extern char** environ;

namespace bgtask::launch {
namespace {

auto log() { static auto l = service::logger("launch"); return l; }

constexpr std::uint32_t kStartReplySuccess = 1;   // DBUS_START_REPLY_SUCCESS

ActivationResult viaExec(const core::Manifest& app, const std::string& why)
{
    if (!app.exec)
        return {false, false, "activation-failed: " + why + " (and the manifest has no Exec)"};
    try {
        const int pid = Activator::spawn(*app.exec);
        log()->info("Started {} with its Exec command (pid {}) because {}", app.id, pid, why);
        return {true, true, {}};
    } catch (const core::Error& e) {
        return {false, false, std::string(e.what()) + " (after " + why + ")"};
    }
}

} // namespace

Activator::Activator(sdbus::IConnection& connection, core::Duration timeout)
    : bus_(sdbus::createProxy(connection, "org.freedesktop.DBus", "/org/freedesktop/DBus")),
      timeout_(timeout)
{
}

void Activator::activate(const core::Manifest& app,
                         std::function<void(ActivationResult)> done)
{
    bus_->callMethodAsync("StartServiceByName")
        .onInterface("org.freedesktop.DBus")
        .withTimeout(timeout_)
        .withArguments(app.busName, std::uint32_t{0})
        .uponReplyInvoke([app, done = std::move(done)](const sdbus::Error* error, std::uint32_t reply) {
            if (!error) {
                done({true, reply == kStartReplySuccess, {}});
                return;
            }
            auto result = viaExec(app, "bus activation of " + app.busName + " failed: " + error->getName() +
                                           ": " + error->getMessage());
            result.unreachable = !result.ok && !app.exec && core::isUnreachableError(error->getName());
            done(std::move(result));
        });
}

int Activator::spawn(const std::string& exec)
{
    std::vector<std::string> words;
    std::istringstream in(exec);
    for (std::string w; in >> w;)
        words.push_back(w);
    if (words.empty())
        throw core::Error(core::ErrorCode::Internal, "exec-failed", "empty Exec command");
    std::vector<char*> argv;
    for (auto& w : words)
        argv.push_back(w.data());
    argv.push_back(nullptr);

    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, argv[0], nullptr, &attr, argv.data(), environ);
    posix_spawnattr_destroy(&attr);
    if (rc != 0)
        throw core::Error(core::ErrorCode::Internal, "exec-failed",
                          "cannot run " + words.front() + ": " + std::strerror(rc));
    return pid;
}

} // namespace bgtask::launch
