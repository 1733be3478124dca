// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Activator.h"

#include "Systemd.h"

#include "core/Error.h"
#include "core/Reachability.h"
#include "core/TransientUnit.h"
#include "service/Log.h"

#include <sdbus-c++/Types.h>

#include <chrono>

namespace bgtask::launch {
namespace {

auto log() { static auto l = service::logger("launch"); return l; }

constexpr std::uint32_t kStartReplySuccess = 1;   // DBUS_START_REPLY_SUCCESS

using Property = sdbus::Struct<std::string, sdbus::Variant>;
using ExecCommand = sdbus::Struct<std::string, std::vector<std::string>, bool>;
using AuxUnit = sdbus::Struct<std::string, std::vector<Property>>;

// What a service manager would be told in a unit file: the command (its path, its argv, and
// "false": a failing exit status is the unit's failure), Type=exec so that the start job
// fails when the program cannot be executed, the manifest's User= (the system instance
// requires one), garbage collection once it ended, and a stop that sends SIGTERM to the main
// process and SIGKILL to whatever is left of the unit after stopTimeout.
std::vector<Property> transientProperties(const core::Manifest& app, std::vector<std::string> argv,
                                          core::Duration stopTimeout)
{
    const auto path = argv.front();
    std::vector<Property> properties{
        {"Description", sdbus::Variant("Background task of " + app.id + " (bgtaskd)")},
        {"ExecStart", sdbus::Variant(std::vector<ExecCommand>{{path, std::move(argv), false}})},
        {"Type", sdbus::Variant(std::string("exec"))},
        {"CollectMode", sdbus::Variant(std::string("inactive-or-failed"))},
        {"KillMode", sdbus::Variant(std::string("mixed"))},
        {"TimeoutStopUSec", sdbus::Variant(static_cast<std::uint64_t>(
                                std::chrono::duration_cast<std::chrono::microseconds>(stopTimeout).count()))},
    };
    if (app.user)
        properties.push_back({"User", sdbus::Variant(*app.user)});
    return properties;
}

} // namespace

Activator::Activator(sdbus::IConnection& connection, core::Duration timeout, Spawner& spawner,
                     UnitFollower* units, core::Duration stopTimeout)
    : bus_(sdbus::createProxy(connection, "org.freedesktop.DBus", "/org/freedesktop/DBus")),
      timeout_(timeout), spawner_(spawner), units_(units), stopTimeout_(stopTimeout)
{
}

ActivationResult Activator::spawn(const core::Manifest& app, const std::string& why)
{
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

void Activator::viaExec(const core::Manifest& app, std::int64_t runId, int attempt, const std::string& why,
                        Done done)
{
    if (!app.exec) {
        done({false, false, "activation-failed: " + why + " (and the manifest has no Exec)"});
        return;
    }
    auto argv = core::execWords(*app.exec);
    if (!units_ || argv.empty()) {
        done(spawn(app, why));
        return;
    }
    const auto unit = core::transientUnitName(app.id, runId, attempt);
    const auto key = nextUnitKey_++;
    units_->add(key, unit);
    units_->manager()
        .callMethodAsync("StartTransientUnit")
        .onInterface(systemd::kManagerInterface)
        .withTimeout(timeout_)
        .withArguments(unit, std::string("fail"), transientProperties(app, std::move(argv), stopTimeout_),
                       std::vector<AuxUnit>{})
        .uponReplyInvoke([this, app, key, unit, why, done = std::move(done)](const sdbus::Error* error,
                                                                             sdbus::ObjectPath job) {
            if (!error) {
                units_->started(key, job);
                log()->info("Started {} with its Exec command in the transient unit {}{} because {}", app.id, unit,
                            app.user ? " as user " + *app.user : "", why);
                ActivationResult result{true, true, {}};
                result.unit = unit;
                result.unitKey = key;
                done(std::move(result));
                return;
            }
            units_->forget(key);
            if (systemd::noServiceManager(error->getName())) {
                done(spawn(app, why + ", and no service manager answers on this bus"));
                return;
            }
            // The manager is there and refused: running the command as a plain process instead
            // would silently drop what the unit gives (its cgroup, accounting, a clean stop).
            log()->warn("Failed to start the transient unit {}: {}: {}", unit, error->getName(), error->getMessage());
            done({false, false, "unit-start-failed: " + unit + ": " + error->getName() + ": " + error->getMessage()});
        });
}

void Activator::activate(const core::Manifest& app, std::int64_t runId, int attempt, Done done)
{
    bus_->callMethodAsync("StartServiceByName")
        .onInterface("org.freedesktop.DBus")
        .withTimeout(timeout_)
        .withArguments(app.busName, std::uint32_t{0})
        .uponReplyInvoke([this, app, runId, attempt, done = std::move(done)](const sdbus::Error* error,
                                                                             std::uint32_t reply) {
            if (!error) {
                done({true, reply == kStartReplySuccess, {}});
                return;
            }
            const auto why = "bus activation of " + app.busName + " failed: " + error->getName() + ": " +
                             error->getMessage();
            const bool unreachable = !app.exec && core::isUnreachableError(error->getName());
            viaExec(app, runId, attempt, why, [done, unreachable](ActivationResult result) {
                result.unreachable = !result.ok && unreachable;
                done(std::move(result));
            });
        });
}

} // namespace bgtask::launch
