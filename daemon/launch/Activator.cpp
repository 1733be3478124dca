// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Activator.h"

#include "core/Error.h"
#include "core/Reachability.h"
#include "service/Log.h"

namespace bgtask::launch {
namespace {

auto log() { static auto l = service::logger("launch"); return l; }

constexpr std::uint32_t kStartReplySuccess = 1;   // DBUS_START_REPLY_SUCCESS

} // namespace

Activator::Activator(sdbus::IConnection& connection, core::Duration timeout, Spawner& spawner)
    : bus_(sdbus::createProxy(connection, "org.freedesktop.DBus", "/org/freedesktop/DBus")),
      timeout_(timeout), spawner_(spawner)
{
}

ActivationResult Activator::viaExec(const core::Manifest& app, const std::string& why)
{
    if (!app.exec)
        return {false, false, "activation-failed: " + why + " (and the manifest has no Exec)"};
    try {
        const int pid = spawner_.spawn(*app.exec, app.user, app.id);
        log()->info("Started {} with its Exec command (pid {}{}) because {}", app.id, pid,
                    app.user ? ", user " + *app.user : "", why);
        ActivationResult result{true, true, {}};
        result.spawnedPid = pid;
        return result;
    } catch (const core::Error& e) {
        return {false, false, std::string(e.what()) + " (after " + why + ")"};
    }
}

void Activator::activate(const core::Manifest& app,
                         std::function<void(ActivationResult)> done)
{
    bus_->callMethodAsync("StartServiceByName")
        .onInterface("org.freedesktop.DBus")
        .withTimeout(timeout_)
        .withArguments(app.busName, std::uint32_t{0})
        .uponReplyInvoke([this, app, done = std::move(done)](const sdbus::Error* error, std::uint32_t reply) {
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

} // namespace bgtask::launch
