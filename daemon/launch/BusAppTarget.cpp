// SPDX-License-Identifier: LGPL-2.1-or-later
#include "BusAppTarget.h"

#include "Systemd.h"

#include "service/HandlerRegistry.h"
#include "service/Log.h"
#include "service/ManifestRegistry.h"
#include "service/NameOwnership.h"
#include "service/RunController.h"

#include <bgtask-api/ErrorCode.h>

#include <sdbus-c++/Types.h>

#include <algorithm>
#include <vector>

namespace bgtask::launch {
namespace {

auto log() { static auto l = service::logger("runs"); return l; }

// An app says it has no expiration handler by answering Expire with an error: libbgtask's
// NotFound "no-expiration-handler", or a bus error for a handler object without the method.
bool isNoExpirationHandler(const std::string& error)
{
    return error.starts_with(std::string(api::errorName(api::ErrorCode::NotFound)) + ": no-expiration-handler") ||
           error.starts_with("org.freedesktop.DBus.Error.UnknownMethod") ||
           error.starts_with("org.freedesktop.DBus.Error.UnknownInterface");
}

} // namespace

BusAppTarget::BusAppTarget(service::LaunchContext context, Activator& activator, HandlerClient& handlers,
                           ProcessTerminator& terminator, Spawner& spawner, UnitFollower* transientUnits)
    : context_(context), activator_(activator), handlers_(handlers), terminator_(terminator), spawner_(spawner),
      units_(transientUnits)
{
    if (!units_)
        return;
    units_->setHandlers({
        [this](std::int64_t key, const core::UnitVerdict& verdict, core::RunUsage usage) {
            unitEnded(key, verdict, usage);
        },
        [this](const std::vector<std::int64_t>& keys) {
            for (auto key : keys)
                units_->forget(key);
        },
    });
}

bool BusAppTarget::serves(const core::Manifest* /*app*/) const
{
    return true;   // the fallback: whatever no other target claims
}

void BusAppTarget::start(const service::ActiveRun& run)
{
    const auto& request = run.task.request;
    const auto id = run.task.runId;
    if (auto connection = handlerFor(request.app, request.identifier)) {
        deliver(id, *connection);
        return;
    }
    if (request.kind == core::TaskKind::ContinuedProcessing) {
        // Continued processing runs in the process that asked for it; it is never activated.
        context_.reports.ended(id, core::Outcome::LaunchFailed,
                               "not-registered: no connection of the app has registered " + request.identifier);
        return;
    }
    const auto* manifest = context_.manifests.byId(request.app);
    if (!manifest) {
        context_.reports.ended(id, core::Outcome::LaunchFailed,
                               "no-manifest: app " + request.app + " has no manifest any more");
        return;
    }
    waiting_[id] = {request.app, request.identifier};
    activateFor(*manifest, id);
}

void BusAppTarget::activateFor(const core::Manifest& app, std::int64_t runId)
{
    if (!activating_.insert(app.id).second)
        return;   // one activation serves every run of the app that waits for it
    const auto named = waiting_.find(runId);
    const int attempt = named == waiting_.end() ? 1 : ++named->second.activations;
    log()->info("Activating {} ({})", app.id, app.busName);
    activator_.activate(app, runId, attempt, [this, appId = app.id, busName = app.busName](ActivationResult result) {
        activating_.erase(appId);
        std::vector<std::int64_t> runs;
        for (auto& [id, waiting] : waiting_)
            if (waiting.app == appId) {
                runs.push_back(id);
                waiting.startedByUs = waiting.startedByUs || result.startedByUs;
                if (result.spawnedPid)
                    waiting.spawnedPid = result.spawnedPid;
                if (result.unitKey)
                    waiting.unitKey = result.unitKey;
            }
        if (!result.ok) {
            log()->warn("Failed to activate {}: {}", appId, result.error);
            for (auto id : runs) {
                if (result.unreachable)
                    context_.reports.unreachable(id, "not-activatable: " + result.error);
                else
                    context_.reports.ended(id, core::Outcome::LaunchFailed, result.error);
            }
            return;
        }
        if (result.unitKey) {
            // Whoever owns the name now or next is not necessarily in the unit: seen() checks.
            unitFor_[busName] = {result.unitKey, result.unit};
            if (auto owner = context_.names.ownerOf(busName))
                seen(busName, *owner);
        } else if (result.spawnedPid) {
            // Whoever owns the name now or next is not necessarily the command: seen() checks.
            spawnedFor_.insert(busName);
            if (auto owner = context_.names.ownerOf(busName))
                seen(busName, *owner);
        } else if (result.startedByUs) {
            if (auto owner = context_.names.ownerOf(busName))
                launchedConnections_.insert(*owner);
            else
                awaitingLaunchedOwner_.insert(busName);
        }
        log()->debug("{} is up; waiting for it to register", appId);
    });
}

void BusAppTarget::registered(const std::string& connection, const std::string& app,
                              const std::vector<std::string>& identifiers)
{
    std::vector<std::int64_t> ready;
    for (const auto& [id, waiting] : waiting_)
        if (waiting.app == app &&
            std::find(identifiers.begin(), identifiers.end(), waiting.identifier) != identifiers.end())
            ready.push_back(id);
    for (auto id : ready)
        deliver(id, connection);
    terminator_.pin(connection);
}

void BusAppTarget::seen(const std::string& busName, const std::string& connection)
{
    const bool spawned = spawnedFor_.contains(busName);
    const auto unit = unitFor_.find(busName);
    const auto started = unit == unitFor_.end() ? StartedUnit{} : unit->second;
    terminator_.pin(connection, [this, spawned, started, busName, connection](int pid) {
        if (started.key && pid) {
            checkUnit(busName, connection, pid, started);
            return;
        }
        if (!spawned || !pid || !spawner_.spawned(pid))
            return;
        spawnedFor_.erase(busName);
        launchedConnections_.insert(connection);
        log()->debug("{} (pid {}) is the Exec command bgtaskd started for {}", connection, pid, busName);
    });
}

void BusAppTarget::stopStarted(const Waiting& waiting)
{
    if (waiting.unitKey && units_ && units_->follows(waiting.unitKey)) {
        log()->info("{} never registered {}; stopping the unit bgtaskd started", waiting.app, waiting.identifier);
        units_->stop(waiting.unitKey, "never-registered");
        return;
    }
    if (waiting.spawnedPid && spawner_.terminate(waiting.spawnedPid))
        return;
    const auto* manifest = context_.manifests.byId(waiting.app);
    if (!manifest)
        return;
    if (auto owner = context_.names.ownerOf(manifest->busName); owner && launchedConnections_.contains(*owner)) {
        log()->info("{} never registered {}; stopping the process bgtaskd started", waiting.app, waiting.identifier);
        terminator_.terminate(*owner);
    }
}

std::optional<std::string> BusAppTarget::handlerFor(const std::string& app, const std::string& identifier) const
{
    const auto* manifest = context_.manifests.byId(app);
    if (!manifest)
        return std::nullopt;
    auto owner = context_.names.ownerOf(manifest->busName);
    if (!owner || !context_.handlers.isRegistered(*owner, app, identifier))
        return std::nullopt;
    return owner;
}

void BusAppTarget::launchWindowEnded(const service::ActiveRun& run)
{
    const auto it = waiting_.find(run.task.runId);
    if (it == waiting_.end())
        return;
    if (it->second.startedByUs) {
        // never-registered: an app bgtaskd started did not come up; it is not left running.
        stopStarted(it->second);
        return;
    }
    // The app was already running (bgtaskd did not start it) and has not registered the
    // identifier: it was not reached, and gets the task when it registers.
    context_.reports.unreachable(run.task.runId,
                                 "not-registered: " + run.task.request.app + " is running but has not registered " +
                                     run.task.request.identifier);
}

void BusAppTarget::busNameOwnerChanged(const std::string& busName, const std::string& newOwner)
{
    if (!newOwner.empty()) {
        if (awaitingLaunchedOwner_.erase(busName))
            launchedConnections_.insert(newOwner);
        if (!context_.manifests.byBusName(busName).empty())
            seen(busName, newOwner);
        // The name moved to a connection that registered before (it owned the name then):
        // the runs waiting for it are its now.
        std::vector<std::pair<std::int64_t, std::string>> ready;
        for (const auto& [id, waiting] : waiting_)
            if (auto connection = handlerFor(waiting.app, waiting.identifier))
                ready.emplace_back(id, *connection);
        for (const auto& [id, connection] : ready)
            deliver(id, connection);
        return;
    }
    // The process that held the name went away before registering (an app that submitted and
    // quit while its request became due): start the app again for the runs still waiting, once
    // per run, so that an app that dies at start-up is not restarted in a loop until the
    // launch window ends.
    for (const auto& app : context_.manifests.all()) {
        if (app.busName != busName || activating_.contains(app.id))
            continue;   // an activation in flight brings it up: the runs keep their one restart
        bool again = false;
        for (auto& [id, waiting] : waiting_) {
            if (waiting.app != app.id || waiting.reactivated)
                continue;
            waiting.reactivated = true;
            // The new activation's unit is theirs now; the old one (still deactivating, or
            // its process living on without the name) ends without them.
            waiting.unitKey = 0;
            again = true;
        }
        if (again) {
            log()->info("{} left the bus before registering; activating it again", app.id);
            for (const auto& [id, waiting] : waiting_)
                if (waiting.app == app.id) {
                    activateFor(app, id);
                    break;
                }
        }
    }
}

void BusAppTarget::connectionClosed(const std::string& connection)
{
    launchedConnections_.erase(connection);
    connectionUnits_.erase(connection);
    terminator_.forget(connection);
}

void BusAppTarget::deliver(std::int64_t runId, const std::string& connection)
{
    std::int64_t startedUnit = 0;
    if (const auto waiting = waiting_.find(runId); waiting != waiting_.end()) {
        startedUnit = waiting->second.unitKey;
        waiting_.erase(waiting);
    }
    const auto* run = context_.reports.delivered(runId, connection, launchedConnections_.contains(connection));
    if (!run)
        return;
    delivered_[runId] = startedUnit;
    if (const auto unit = connectionUnits_.find(connection); unit != connectionUnits_.end() && unit->second != startedUnit)
        readBaseline(runId, unit->second);   // the app was running in it already
    handlers_.launch(connection, run->task, [this, runId](std::optional<std::string> error) {
        const auto* launched = context_.reports.find(runId);
        if (!launched || launched->task.state != core::RunState::Launching)
            return;
        if (error)
            context_.reports.ended(runId, core::Outcome::LaunchFailed, "launch-refused: " + *error);
        else
            context_.reports.running(runId);
    });
}

void BusAppTarget::expire(const service::ActiveRun& run, const std::string& reason)
{
    const auto runId = run.task.runId;
    handlers_.expire(run.connection, run.task, reason, [this, runId](std::optional<std::string> error) {
        if (!error)
            return;
        if (!isNoExpirationHandler(*error)) {
            // The grace period still runs: the app may yet complete, or is terminated.
            log()->warn("Failed to deliver Expire for run {}: {}, ignoring", runId, *error);
            return;
        }
        const auto* expiring = context_.reports.find(runId);
        if (!expiring || expiring->task.state != core::RunState::Expiring)
            return;
        // Apple: a task without an expiration handler is marked completed-unsuccessful at
        // expiry; the app learnt why from Expire's reason.
        context_.reports.ended(runId, core::Outcome::Failed,
                               "no-expiration-handler: " + expiring->task.expireReason);
    });
}

void BusAppTarget::stop(const service::ActiveRun& run)
{
    if (const auto unit = connectionUnits_.find(run.connection); unit != connectionUnits_.end() && units_) {
        stopUnit(run, unit->second);
        return;
    }
    if (const auto unit = unitRuns_.find(run.task.runId); unit != unitRuns_.end() && units_) {
        stopUnit(run, unit->second);   // its process lives on without its connection
        return;
    }
    std::string reason = run.task.expireReason;
    // An Exec command's connection may be recognised only after the task was delivered.
    if (run.launchedByDaemon || launchedConnections_.contains(run.connection)) {
        log()->warn("Run {}: no SetTaskCompleted within the grace period; terminating {}", run.task.runId,
                    run.connection);
        const int pid = terminator_.pinnedPid(run.connection);
        if (!(pid && spawner_.terminate(pid)))   // our child: through the pidfd from its spawn
            terminator_.terminate(run.connection);
    } else {
        reason += "; process not started by bgtaskd, left running";
    }
    context_.reports.ended(run.task.runId, core::Outcome::Terminated, std::move(reason));
}

void BusAppTarget::checkUnit(const std::string& busName, const std::string& connection, int pid,
                             StartedUnit started)
{
    // systemd knows a process's unit by its cgroup: the command or anything it started.
    units_->manager()
        .callMethodAsync("GetUnitByPID")
        .onInterface(systemd::kManagerInterface)
        .withTimeout(units_->callTimeout())
        .withArguments(static_cast<std::uint32_t>(pid))
        .uponReplyInvoke([this, busName, connection, pid, started](const sdbus::Error* error, sdbus::ObjectPath path) {
            if (error) {
                log()->info("{} (pid {}) is not in {}: not started by bgtaskd ({})", connection, pid, started.unit,
                            error->getName());
                return;
            }
            if (const auto known = units_->unitPath(started.key); !known.empty()) {
                unitChecked(busName, connection, pid, started, path == known);
                return;
            }
            units_->manager()
                .callMethodAsync("GetUnit")
                .onInterface(systemd::kManagerInterface)
                .withTimeout(units_->callTimeout())
                .withArguments(started.unit)
                .uponReplyInvoke([this, busName, connection, pid, started, path](const sdbus::Error* failed,
                                                                                sdbus::ObjectPath ours) {
                    unitChecked(busName, connection, pid, started, !failed && ours == path);
                });
        });
}

void BusAppTarget::unitChecked(const std::string& busName, const std::string& connection, int pid,
                               const StartedUnit& started, bool inUnit)
{
    if (!inUnit) {
        log()->info("{} (pid {}) is not in {}: not started by bgtaskd", connection, pid, started.unit);
        return;
    }
    if (const auto it = unitFor_.find(busName); it != unitFor_.end() && it->second.key == started.key)
        unitFor_.erase(it);
    launchedConnections_.insert(connection);
    connectionUnits_[connection] = started.key;
    log()->info("{} (pid {}) runs in {}, which bgtaskd started for {}", connection, pid, started.unit, busName);
    // Runs handed to it before this answer that the unit was not started for: charged from now.
    for (const auto& [runId, startedUnit] : delivered_) {
        const auto* run = context_.reports.find(runId);
        if (startedUnit != started.key && !baselines_.contains(runId) && run && run->connection == connection)
            readBaseline(runId, started.key);
    }
}

void BusAppTarget::readBaseline(std::int64_t runId, std::int64_t key)
{
    baselines_[runId] = std::nullopt;
    // Replies come in the order of the calls: an end read after this one finds it answered.
    units_->readUsage(key, [this, runId](core::RunUsage usage) {
        if (const auto it = baselines_.find(runId); it != baselines_.end())
            it->second = std::move(usage);
    });
}

core::RunUsage BusAppTarget::charged(std::int64_t runId, const core::RunUsage& usage) const
{
    const auto it = baselines_.find(runId);
    if (it == baselines_.end())
        return usage;   // the unit was started for it: everything since the unit's start
    if (!it->second)
        log()->debug("Run {}: the unit's counters at its start are not known; its CPU time and IO are not", runId);
    return core::usageSince(usage, it->second.value_or(core::RunUsage{}));
}

void BusAppTarget::measure(const service::ActiveRun& run, std::function<void(core::RunUsage)> done)
{
    const auto unit = connectionUnits_.find(run.connection);
    if (unit == connectionUnits_.end() || !units_) {
        done({});
        return;
    }
    units_->readUsage(unit->second, [this, runId = run.task.runId, done = std::move(done)](core::RunUsage usage) {
        done(charged(runId, usage));
    });
}

bool BusAppTarget::followsAfterConnectionClosed(const service::ActiveRun& run)
{
    if (run.task.request.kind == core::TaskKind::ContinuedProcessing)
        return false;   // quitting the app cancels it (app-quit), whatever its process ran in
    const auto unit = connectionUnits_.find(run.connection);
    if (unit == connectionUnits_.end() || !units_ || !units_->follows(unit->second))
        return false;
    // The process is gone or going: its unit's Result says how (oom-kill, signal, …). A process
    // that lives on without its connection keeps the run until its time limit stops the unit.
    log()->info("Run {}: its connection closed; waiting for its unit to end", run.task.runId);
    unitRuns_[run.task.runId] = unit->second;
    return true;
}

void BusAppTarget::stopUnit(const service::ActiveRun& run, std::int64_t key)
{
    const auto runId = run.task.runId;
    log()->warn("Run {}: no SetTaskCompleted within the grace period; stopping its unit", runId);
    // No further stop rounds while the accounting is read; the unit's stop is systemd's.
    context_.reports.stopDelegated(runId);
    units_->readUsage(key, [this, runId, key, reason = run.task.expireReason](core::RunUsage usage) {
        units_->stop(key, reason);
        context_.reports.ended(runId, core::Outcome::Terminated, reason, charged(runId, usage));
    });
}

void BusAppTarget::unitEnded(std::int64_t key, const core::UnitVerdict& verdict, const core::RunUsage& usage)
{
    std::vector<std::int64_t> runs;
    for (const auto& [id, waiting] : waiting_)
        if (waiting.unitKey == key)
            runs.push_back(id);
    // The runs whose app ran in it: those whose connection closed first (unitRuns_), and those
    // handed to a connection in it that is still open (its close is heard after the unit's end).
    std::vector<std::int64_t> ranInIt;
    for (const auto& [id, unit] : unitRuns_)
        if (unit == key)
            ranInIt.push_back(id);
    for (const auto& [id, startedUnit] : delivered_) {
        const auto* run = context_.reports.find(id);
        if (!run || unitRuns_.contains(id) || run->task.request.kind == core::TaskKind::ContinuedProcessing)
            continue;   // continued processing ends app-quit when its connection closes
        if (const auto unit = connectionUnits_.find(run->connection); unit != connectionUnits_.end() && unit->second == key)
            ranInIt.push_back(id);
    }
    for (auto it = unitFor_.begin(); it != unitFor_.end();)
        it = it->second.key == key ? unitFor_.erase(it) : std::next(it);
    std::erase_if(connectionUnits_, [key](const auto& entry) { return entry.second == key; });
    units_->forget(key);
    for (auto id : ranInIt)
        endedInUnit(id, verdict, charged(id, usage));
    if (verdict.outcome == core::Outcome::Completed)
        return;   // it exited without registering: the launch window decides (never-registered)
    for (auto id : runs) {
        log()->info("Run {}: the app's unit ended before it registered ({})", id, verdict.reason);
        context_.reports.ended(id, verdict.outcome, verdict.reason, usage);
    }
}

void BusAppTarget::endedInUnit(std::int64_t runId, const core::UnitVerdict& verdict, core::RunUsage usage)
{
    const auto* run = context_.reports.find(runId);
    if (!run)
        return;
    if (!verdict.endCause.empty()) {
        log()->info("Run {}: the app's unit ended {}", runId, verdict.endCause);
        context_.reports.ended(runId, core::Outcome::Failed, verdict.endCause, std::move(usage));
        return;
    }
    // The same outcome as when the connection's close is heard first (RunController).
    const auto& task = run->task;
    context_.reports.ended(runId, core::Outcome::AppExited,
                           task.state == core::RunState::Expiring
                               ? "connection-closed after expiration (" + task.expireReason + ")"
                               : "connection-closed: the app's connection went away during the task",
                           std::move(usage));
}

} // namespace bgtask::launch
