// SPDX-License-Identifier: LGPL-2.1-or-later
#include "UnitTarget.h"

#include "Systemd.h"

#include "service/Log.h"
#include "service/ManifestRegistry.h"
#include "service/RunController.h"

#include <sdbus-c++/Types.h>

namespace bgtask::launch {
namespace {

auto log() { static auto l = service::logger("units"); return l; }

// The typed sub-reason of a unit that could not be started.
std::string startFailure(const sdbus::Error& error, const std::string& unit)
{
    const auto& name = error.getName();
    const std::string detail = unit + ": " + name + ": " + error.getMessage();
    if (systemd::noServiceManager(name))
        return "no-systemd: no service manager answers on this bus for " + detail;
    if (name == systemd::kErrorNoSuchUnit || name == systemd::kErrorLoadFailed)
        return "no-such-unit: " + detail;
    return "unit-start-failed: " + detail;
}

} // namespace

UnitTarget::UnitTarget(sdbus::IConnection& connection, service::LaunchContext context,
                       core::Duration callTimeout, Defer defer)
    : context_(context), units_(connection, callTimeout, std::move(defer))
{
    units_.setHandlers({
        [this](std::int64_t runId, const core::UnitVerdict& verdict, core::RunUsage usage) {
            context_.reports.ended(runId, verdict.outcome, verdict.reason, std::move(usage));
        },
        [this](const std::vector<std::int64_t>& runs) {
            for (auto runId : runs)
                context_.reports.ended(runId, core::Outcome::Failed,
                                       "unit-manager-lost: the service manager left the bus during the run");
        },
    });
}

UnitTarget::~UnitTarget() = default;

void UnitTarget::start(const service::ActiveRun& run)
{
    const auto id = run.task.runId;
    const auto* manifest = context_.manifests.byId(run.task.request.app);
    if (!manifest || !manifest->unit) {
        context_.reports.ended(id, core::Outcome::LaunchFailed,
                               "no-manifest: app " + run.task.request.app + " no longer names a unit");
        return;
    }
    const std::string unit = *manifest->unit;
    units_.add(id, unit);
    log()->info("Run {}: starting {}", id, unit);
    units_.manager()
        .callMethodAsync("StartUnit")
        .onInterface(systemd::kManagerInterface)
        .withTimeout(units_.callTimeout())
        .withArguments(unit, std::string("replace"))
        .uponReplyInvoke([this, id, unit](const sdbus::Error* error, sdbus::ObjectPath job) {
            startReplied(id, unit, error, job);
        });
}

void UnitTarget::startReplied(std::int64_t runId, const std::string& unit, const sdbus::Error* error,
                              const std::string& jobPath)
{
    if (!units_.follows(runId))
        return;
    if (error) {
        const auto reason = startFailure(*error, unit);
        log()->warn("Failed to start {}: {}", unit, reason);
        context_.reports.ended(runId, core::Outcome::LaunchFailed, reason);
        return;
    }
    units_.started(runId, jobPath);
    if (!context_.reports.delivered(runId, "", false))
        return;
    context_.reports.running(runId);
}

void UnitTarget::expire(const service::ActiveRun& run, const std::string& reason)
{
    log()->info("Run {}: stopping its unit ({})", run.task.runId, reason);
    units_.stop(run.task.runId, reason);
}

void UnitTarget::stop(const service::ActiveRun& run)
{
    log()->info("Run {}: grace period over; the unit's own TimeoutStopSec= governs the rest of the stop",
                run.task.runId);
    context_.reports.stopDelegated(run.task.runId);
}

} // namespace bgtask::launch
