// SPDX-License-Identifier: LGPL-2.1-or-later
#include "BusAppTarget.h"

#include "service/HandlerRegistry.h"
#include "service/Log.h"
#include "service/ManifestRegistry.h"
#include "service/NameOwnership.h"
#include "service/RunController.h"

#include <bgtask-api/ErrorCode.h>

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

BusAppTarget::BusAppTarget(service::LaunchContext context, Activator& activator,
                           HandlerClient& handlers, ProcessTerminator& terminator, Spawner& spawner)
    : context_(context), activator_(activator), handlers_(handlers), terminator_(terminator), spawner_(spawner)
{
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
    activateFor(*manifest);
}

void BusAppTarget::activateFor(const core::Manifest& app)
{
    if (!activating_.insert(app.id).second)
        return;   // one activation serves every run of the app that waits for it
    log()->info("Activating {} ({})", app.id, app.busName);
    activator_.activate(app, [this, appId = app.id, busName = app.busName](ActivationResult result) {
        activating_.erase(appId);
        std::vector<std::int64_t> runs;
        for (auto& [id, waiting] : waiting_)
            if (waiting.app == appId) {
                runs.push_back(id);
                waiting.startedByUs = waiting.startedByUs || result.startedByUs;
                if (result.spawnedPid)
                    waiting.spawnedPid = result.spawnedPid;
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
        if (result.spawnedPid) {
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
    terminator_.pin(connection, [this, spawned, busName, connection](int pid) {
        if (!spawned || !pid || !spawner_.spawned(pid))
            return;
        spawnedFor_.erase(busName);
        launchedConnections_.insert(connection);
        log()->debug("{} (pid {}) is the Exec command bgtaskd started for {}", connection, pid, busName);
    });
}

void BusAppTarget::stopStarted(const Waiting& waiting)
{
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
        if (app.busName != busName)
            continue;
        bool again = false;
        for (auto& [id, waiting] : waiting_) {
            if (waiting.app != app.id || waiting.reactivated)
                continue;
            waiting.reactivated = true;
            again = true;
        }
        if (again) {
            log()->info("{} left the bus before registering; activating it again", app.id);
            activateFor(app);
        }
    }
}

void BusAppTarget::connectionClosed(const std::string& connection)
{
    launchedConnections_.erase(connection);
    terminator_.forget(connection);
}

void BusAppTarget::deliver(std::int64_t runId, const std::string& connection)
{
    waiting_.erase(runId);
    const auto* run = context_.reports.delivered(runId, connection, launchedConnections_.contains(connection));
    if (!run)
        return;
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

} // namespace bgtask::launch
