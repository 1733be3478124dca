// SPDX-License-Identifier: LGPL-2.1-or-later
#include "RunController.h"

#include "Log.h"

#include <algorithm>

#include <bgtask-api/ErrorCode.h>

namespace bgtask::service {
namespace {

auto log() { static auto l = logger("runs"); return l; }

// An app says it has no expiration handler by answering Expire with an error: libbgtask's
// NotFound "no-expiration-handler", or a bus error for a handler object without the method.
bool isNoExpirationHandler(const std::string& error)
{
    return error.starts_with(std::string(api::errorName(api::ErrorCode::NotFound)) + ": no-expiration-handler") ||
           error.starts_with("org.freedesktop.DBus.Error.UnknownMethod") ||
           error.starts_with("org.freedesktop.DBus.Error.UnknownInterface");
}

// "2 s", "1.5 s": a duration as a person would write it, to the millisecond.
std::string seconds(core::Duration d)
{
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
    std::string text = std::to_string(ms / 1000);
    if (const auto fraction = ms % 1000) {
        std::string digits = std::to_string(1000 + fraction).substr(1);
        digits.erase(digits.find_last_not_of('0') + 1);
        text += "." + digits;
    }
    return text + " s";
}

} // namespace

RunController::RunController(store::Store& store, CommitQueue& commits,
                             const ManifestRegistry& manifests, HandlerRegistry& handlers,
                             const NameOwnership& names, const core::Limits& limits, Effects& effects)
    : store_(store), commits_(commits), manifests_(manifests), handlers_(handlers), names_(names),
      limits_(limits), effects_(effects)
{
}

void RunController::launch(const std::vector<core::TaskRequest>& requests, bool simulated)
{
    if (requests.empty())
        return;
    // Submits still waiting for their batch must reach the store before their rows are consumed.
    commits_.flush();
    const auto now = effects_.now();
    std::vector<core::RunningTask> started;
    {
        store::Store::Transaction txn(store_);
        for (const auto& request : requests) {
            core::RunningTask run;
            run.request = request;
            run.request.id = 0;
            run.startedAt = now;
            run.launchWindowEnd = now + limits_.launchWindow;
            run.simulated = simulated;
            store_.deleteRequest(request.app, request.identifier);
            run.runId = store_.startRun(run);
            started.push_back(std::move(run));
        }
        txn.commit();
    }
    for (auto& task : started) {
        const auto id = task.runId;
        auto& run = runs_[id];
        run.task = std::move(task);
        log()->info("Run {}: launching {} {} of {}{}", id, toString(run.task.request.kind),
                    run.task.request.identifier, run.task.request.app, simulated ? " (simulated)" : "");
        emit(run, "launching");
        proceed(run);
    }
}

void RunController::proceed(ActiveRun& run)
{
    const auto& request = run.task.request;
    if (auto connection = handlers_.find(request.app, request.identifier)) {
        deliver(run, *connection);
        return;
    }
    if (request.kind == core::TaskKind::ContinuedProcessing) {
        // Continued processing runs in the process that asked for it; it is never activated.
        finish(run.task.runId, core::Outcome::LaunchFailed,
               "not-registered: no connection of the app has registered " + request.identifier);
        return;
    }
    const auto* manifest = manifests_.byId(request.app);
    if (!manifest) {
        finish(run.task.runId, core::Outcome::LaunchFailed,
               "no-manifest: app " + request.app + " has no manifest any more");
        return;
    }
    activateFor(*manifest);
}

void RunController::activateFor(const core::Manifest& app)
{
    if (!activating_.insert(app.id).second)
        return;   // one activation serves every run of the app that waits for it
    log()->info("Activating {} ({})", app.id, app.busName);
    effects_.activate(app, [this, appId = app.id, busName = app.busName](ActivationResult result) {
        activating_.erase(appId);
        if (!result.ok) {
            log()->warn("Failed to activate {}: {}", appId, result.error);
            std::vector<std::int64_t> failed;
            for (auto& [id, run] : runs_)
                if (run.task.request.app == appId && !run.delivered)
                    failed.push_back(id);
            for (auto id : failed)
                finish(id, core::Outcome::LaunchFailed, result.error);
            return;
        }
        if (result.startedByUs) {
            if (auto owner = names_.ownerOf(busName))
                launchedConnections_.insert(*owner);
            else
                awaitingLaunchedOwner_.insert(busName);
        }
        log()->debug("{} is up; waiting for it to register", appId);
    });
}

void RunController::registered(const std::string& connection, const std::string& app,
                               const std::vector<std::string>& identifiers)
{
    std::vector<std::int64_t> ready;
    for (auto& [id, run] : runs_)
        if (!run.delivered && run.task.request.app == app &&
            std::find(identifiers.begin(), identifiers.end(), run.task.request.identifier) !=
                identifiers.end())
            ready.push_back(id);
    for (auto id : ready)
        if (auto it = runs_.find(id); it != runs_.end())
            deliver(it->second, connection);
}

void RunController::busNameOwnerChanged(const std::string& busName, const std::string& newOwner)
{
    if (!newOwner.empty()) {
        if (awaitingLaunchedOwner_.erase(busName))
            launchedConnections_.insert(newOwner);
        return;
    }
    // The process that held the name went away before registering (an app that submitted and
    // quit while its request became due): start the app again for the runs still waiting, once
    // per run, so that an app that dies at start-up is not restarted in a loop until the
    // launch window ends.
    for (const auto& app : manifests_.all()) {
        if (app.busName != busName)
            continue;
        bool waiting = false;
        for (auto& [id, run] : runs_) {
            if (run.task.request.app != app.id || run.delivered || run.reactivated ||
                run.task.request.kind == core::TaskKind::ContinuedProcessing)
                continue;
            run.reactivated = true;
            waiting = true;
        }
        if (waiting) {
            log()->info("{} left the bus before registering; activating it again", app.id);
            activateFor(app);
        }
    }
}

void RunController::deliver(ActiveRun& run, const std::string& connection)
{
    run.connection = connection;
    run.delivered = true;
    run.launchedByDaemon = launchedConnections_.contains(connection);
    if (auto limit = limits_.timeLimit(run.task.request.kind))
        run.task.deadline = effects_.now() + *limit;
    if (run.task.request.kind == core::TaskKind::ContinuedProcessing) {
        // The stall clock starts with the launch: a task that never reports progress stalls.
        run.task.stallDeadline = effects_.now() + limits_.stallTimeout;
        const auto& options = run.task.request.options;
        run.progress = {0, 0, options.title.value_or(""), options.subtitle.value_or(""),
                        run.task.stallDeadline};
    }
    effects_.publishTask(run.task);
    if (hooks_.delivered)
        hooks_.delivered(run);
    const auto id = run.task.runId;
    effects_.callLaunch(connection, run.task, [this, id](std::optional<std::string> error) {
        auto it = runs_.find(id);
        if (it == runs_.end() || it->second.task.state != core::RunState::Launching)
            return;
        if (error) {
            finish(id, core::Outcome::LaunchFailed, "launch-refused: " + *error);
            return;
        }
        it->second.task.state = core::RunState::Running;
        log()->info("Run {}: running in {}{}", id, it->second.connection,
                    it->second.launchedByDaemon ? " (started by bgtaskd)" : "");
        emit(it->second, "running");
        effects_.requestPlan();
    });
}

void RunController::complete(const std::string& caller, std::int64_t runId, bool success,
                             CommitQueue::Done done)
{
    auto it = runs_.find(runId);
    if (it == runs_.end()) {
        core::Error e(core::ErrorCode::NotFound, "no-such-task", "task " + std::to_string(runId) + " is not running");
        done(&e);
        return;
    }
    if (it->second.connection != caller) {
        core::Error e(core::ErrorCode::AccessDenied, "not-task-owner",
                      "task " + std::to_string(runId) + " was handed to another connection");
        done(&e);
        return;
    }
    const auto& task = it->second.task;
    if (task.state == core::RunState::Expiring)
        finish(runId, core::Outcome::Expired, task.expireReason, std::move(done));
    else
        finish(runId, success ? core::Outcome::Completed : core::Outcome::Failed, "", std::move(done));
}

void RunController::expire(std::int64_t runId, const std::string& reason)
{
    auto it = runs_.find(runId);
    if (it == runs_.end() || it->second.task.state == core::RunState::Expiring)
        return;
    auto& run = it->second;
    if (!run.delivered) {
        finish(runId, core::Outcome::LaunchFailed, "expired-before-launch: " + reason);
        return;
    }
    run.task.state = core::RunState::Expiring;
    run.task.expireReason = reason;
    run.task.graceEnd = effects_.now() + limits_.gracePeriod;
    log()->info("Run {}: expiring ({}), grace {}", runId, reason, seconds(limits_.gracePeriod));
    effects_.callExpire(run.connection, run.task, reason, [this, runId](std::optional<std::string> error) {
        if (!error)
            return;
        if (!isNoExpirationHandler(*error)) {
            // The grace period still runs: the app may yet complete, or is terminated.
            log()->warn("Failed to deliver Expire for run {}: {}, ignoring", runId, *error);
            return;
        }
        auto expiring = runs_.find(runId);
        if (expiring == runs_.end() || expiring->second.task.state != core::RunState::Expiring)
            return;
        // Apple: a task without an expiration handler is marked completed-unsuccessful at
        // expiry; the app learnt why from Expire's reason.
        finish(runId, core::Outcome::Failed, "no-expiration-handler: " + expiring->second.task.expireReason);
    });
    emit(run, "expiring", reason);
    effects_.requestPlan();
}

void RunController::launchTimedOut(std::int64_t runId)
{
    auto it = runs_.find(runId);
    if (it == runs_.end())
        return;
    const auto& run = it->second;
    finish(runId, core::Outcome::LaunchFailed,
           run.delivered ? "launch-timeout: the app did not answer Launch within the launch window"
                         : "never-registered: the app did not register " + run.task.request.identifier +
                               " within " + seconds(limits_.launchWindow));
}

void RunController::terminate(std::int64_t runId)
{
    auto it = runs_.find(runId);
    if (it == runs_.end())
        return;
    const auto& run = it->second;
    std::string reason = run.task.expireReason;
    if (run.launchedByDaemon) {
        log()->warn("Run {}: no SetTaskCompleted within the grace period; terminating {}", runId,
                    run.connection);
        effects_.terminateConnectionProcess(run.connection);
    } else {
        reason += "; process not started by bgtaskd, left running";
    }
    finish(runId, core::Outcome::Terminated, reason);
}

void RunController::connectionClosed(const std::string& connection)
{
    launchedConnections_.erase(connection);
    std::vector<std::int64_t> gone;
    for (const auto& [id, run] : runs_)
        if (run.connection == connection)
            gone.push_back(id);
    for (auto id : gone) {
        const bool expiring = runs_.at(id).task.state == core::RunState::Expiring;
        if (runs_.at(id).task.request.kind == core::TaskKind::ContinuedProcessing) {
            // Apple: quitting the app cancels its continued tasks without telling it.
            finish(id, core::Outcome::Cancelled, "app-quit: the app's process went away");
            continue;
        }
        finish(id, core::Outcome::AppExited,
               expiring ? "connection-closed after expiration (" + runs_.at(id).task.expireReason + ")"
                        : "connection-closed: the app's connection went away during the task");
    }
}

void RunController::finish(std::int64_t runId, core::Outcome outcome, std::string reason,
                           CommitQueue::Done done)
{
    auto node = runs_.extract(runId);
    if (node.empty())
        return;
    auto& run = node.mapped();
    const auto now = effects_.now();
    log()->info("Run {}: {} {}{}{}", runId, run.task.request.identifier, toString(outcome),
                reason.empty() ? "" : ": ", reason);
    // The task object goes only after the outcome is committed and SetTaskCompleted answered:
    // sd-bus checks a reply against the vtable of the object that received the call.
    commits_.enqueue([runId, outcome, reason, now](store::Store& s) { s.finishRun(runId, outcome, reason, now); },
                     [this, runId, delivered = run.delivered, done = std::move(done)](const core::Error* e) {
                         if (done)
                             done(e);
                         if (delivered)
                             effects_.withdrawTask(runId);
                     });
    emit(run, "ended", reason, outcome);
    if (hooks_.ended)
        hooks_.ended(run, outcome, now);
    effects_.requestPlan();
}

void RunController::interruptAll(const std::string& reason)
{
    if (runs_.empty())
        return;
    commits_.flush();
    const auto now = effects_.now();
    store::Store::Transaction txn(store_);
    const auto pending = store_.loadRequests();
    for (auto& [id, run] : runs_) {
        if (run.delivered)
            effects_.callExpire(run.connection, run.task, reason, {});
        const bool exists = std::any_of(pending.begin(), pending.end(), [&](const auto& r) {
            return r.app == run.task.request.app && r.identifier == run.task.request.identifier;
        });
        requeueInterrupted(store_, run.task, reason, now, exists);
    }
    txn.commit();
    runs_.clear();
}

void RunController::requeueInterrupted(store::Store& store, const core::RunningTask& run,
                                       const std::string& reason, core::TimePoint now,
                                       bool requestExists)
{
    store.finishRun(run.runId, core::Outcome::Interrupted, reason, now);
    if (!requestExists) {
        auto request = run.request;
        request.id = 0;
        store.upsertRequest(request);
    }
}

ActiveRun& RunController::ownedContinuedRun(const std::string& caller, std::int64_t runId)
{
    auto it = runs_.find(runId);
    if (it == runs_.end() || !it->second.delivered)
        throw core::Error(core::ErrorCode::NotFound, "no-such-task", "task " + std::to_string(runId) + " is not running");
    if (it->second.connection != caller)
        throw core::Error(core::ErrorCode::AccessDenied, "not-task-owner",
                          "task " + std::to_string(runId) + " was handed to another connection");
    if (it->second.task.request.kind != core::TaskKind::ContinuedProcessing)
        throw core::Error(core::ErrorCode::NotPermitted, "not-continued-processing",
                          "only continued-processing tasks report progress and titles");
    return it->second;
}

// Progress advances when either count rises; only then does the stall clock restart, so a
// task that repeats the same numbers still stalls. An expiring task keeps its end in sight.
void RunController::updateProgress(const std::string& caller, std::int64_t runId,
                                   std::int64_t completed, std::int64_t total)
{
    auto& run = ownedContinuedRun(caller, runId);
    if (completed < 0 || total < 0 || (total > 0 && completed > total))
        throw core::Error(core::ErrorCode::InvalidArgument, "out-of-range",
                          "progress " + std::to_string(completed) + " of " + std::to_string(total) +
                              ": counts must not be negative and completed must not exceed a known total");
    auto& progress = run.progress;
    const bool advanced = completed > progress.completed || total > progress.total;
    if (completed == progress.completed && total == progress.total)
        return;
    progress.completed = completed;
    progress.total = total;
    if (advanced && run.task.state != core::RunState::Expiring) {
        run.task.stallDeadline = effects_.now() + limits_.stallTimeout;
        progress.stallDeadline = run.task.stallDeadline;
    }
    effects_.updateTask(runId, progress);
    if (hooks_.progressed)
        hooks_.progressed(run);
}

void RunController::updateTitle(const std::string& caller, std::int64_t runId,
                                const std::string& title, const std::string& subtitle)
{
    auto& run = ownedContinuedRun(caller, runId);
    if (title.empty())
        throw core::Error(core::ErrorCode::InvalidArgument, "missing-title", "the title must not be empty");
    for (const auto* text : {&title, &subtitle})
        if (text->size() > core::kMaxTitleLength)
            throw core::Error(core::ErrorCode::InvalidArgument, "out-of-range",
                              "titles are at most " + std::to_string(core::kMaxTitleLength) + " bytes");
    if (run.progress.title == title && run.progress.subtitle == subtitle)
        return;
    run.progress.title = title;
    run.progress.subtitle = subtitle;
    effects_.updateTask(runId, run.progress);
    if (hooks_.progressed)
        hooks_.progressed(run);
}

std::vector<core::RunningTask> RunController::snapshot() const
{
    std::vector<core::RunningTask> out;
    out.reserve(runs_.size());
    for (const auto& [id, run] : runs_)
        out.push_back(run.task);
    return out;
}

void RunController::emit(const ActiveRun& run, std::string_view event, std::string reason,
                         std::optional<core::Outcome> outcome)
{
    effects_.emitTaskChanged({run.task.request.app, run.task.request.identifier, event,
                              run.task.request.kind, run.task.runId, std::move(reason), outcome});
}

} // namespace bgtask::service
