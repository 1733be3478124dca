// SPDX-License-Identifier: LGPL-2.1-or-later
#include "RunController.h"

#include "core/Utf8.h"
#include "Log.h"

#include <algorithm>
#include <memory>
#include <tuple>


namespace bgtask::service {
namespace {

auto log() { static auto l = logger("runs"); return l; }

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
                             const ManifestRegistry& manifests, const core::Limits& limits,
                             Effects& effects)
    : store_(store), commits_(commits), manifests_(manifests), limits_(limits), effects_(effects)
{
}

LaunchTarget* RunController::targetFor(const std::string& app) const
{
    const auto* manifest = manifests_.byId(app);
    for (auto* target : targets_)
        if (target->serves(manifest))
            return target;
    return targets_.empty() ? nullptr : targets_.back();
}

core::TimePoint RunController::launch(const std::vector<core::TaskRequest>& requests, bool simulated,
                                     const std::vector<std::int64_t>& coalesced)
{
    if (requests.empty())
        return effects_.now();
    // Only a checkpoint written or removed by a batch still in the queue makes this launch wait
    // for a commit: the run must be handed the checkpoint as it will be on disk.
    if (std::ranges::any_of(requests, [this](const auto& r) { return checkpointWrites_.contains({r.app, r.identifier}); }))
        commits_.flush();
    const auto now = effects_.now();
    std::vector<core::RunningTask> started;
    std::vector<std::optional<std::int64_t>> groups;
    std::optional<std::int64_t> group;
    for (const auto& request : requests) {
        core::RunningTask run;
        run.request = request;
        run.request.id = 0;
        run.startedAt = now;
        run.launchWindowEnd = now + limits_.launchWindow;
        run.simulated = simulated;
        run.runId = takeRunId();
        run.checkpoint = store_.loadCheckpoint(request.app, request.identifier);
        std::optional<std::int64_t> runGroup;
        if (std::ranges::find(coalesced, request.id) != coalesced.end())
            runGroup = group = group.value_or(run.runId);
        groups.push_back(runGroup);
        started.push_back(std::move(run));
    }
    // The starts go into this loop turn's group commit, ahead of whatever the runs' targets
    // write while starting them (a launch that fails at once ends its run in the same batch).
    std::vector<core::RunningTask> records;
    std::vector<std::int64_t> ids;
    for (const auto& run : started) {
        records.push_back(run);
        records.back().checkpoint.clear();
        ids.push_back(run.runId);
    }
    commits_.enqueue([records = std::move(records), groups = std::move(groups)](store::Store& s) {
                         for (std::size_t i = 0; i < records.size(); ++i) {
                             s.deleteRequest(records[i].request.app, records[i].request.identifier);
                             s.startRun(records[i]);
                             if (groups[i])
                                 s.setCoalesceGroup(records[i].runId, *groups[i]);
                         }
                     },
                     [this, ids = std::move(ids)](const core::Error* e) {
                         if (e)
                             startsLost(ids, *e);
                     });
    if (group)
        log()->info("{} network request(s) launch together as coalesce group {}", coalesced.size(), *group);
    for (auto& task : started) {
        const auto id = task.runId;
        auto& run = runs_[id];
        run.task = std::move(task);
        {
            const TaskLogScope scope({run.task.request.app, run.task.request.identifier, id, {}});
            log()->info("Run {}: launching {} {} of {}{}", id, toString(run.task.request.kind),
                        run.task.request.identifier, run.task.request.app, simulated ? " (simulated)" : "");
        }
        emit(run, "launching");
        run.target = targetFor(run.task.request.app);
        if (!run.target) {
            finish(id, core::Outcome::LaunchFailed, "no-launch-target: bgtaskd has no way to run tasks");
            continue;
        }
        log()->debug("Run {}: started through the {} target", id, run.target->name());
        run.target->start(run);
    }
    return now;
}

// The first block is reserved synchronously (at start, or when a burst of launches used up a
// block and its spare before the spare's commit); later ones are reserved through the commit
// queue when half of the current block is used, so a launch never waits for them.
constexpr std::int64_t kRunIdBlock = 1024;

void RunController::reserveRunIds()
{
    const auto first = store_.runIdHighWater() + 1;
    store_.reserveRunIds(first + kRunIdBlock - 1);
    nextRunId_ = first;
    blockEnd_ = first + kRunIdBlock - 1;
}

std::int64_t RunController::takeRunId()
{
    if (nextRunId_ > blockEnd_) {
        if (!spare_ && reserving_)
            commits_.flush();   // the reservation in the queue becomes the spare
        if (spare_) {
            std::tie(nextRunId_, blockEnd_) = *spare_;
            spare_.reset();
        } else {
            commits_.flush();   // runs already handed ids are recorded below the new block
            reserveRunIds();
        }
    }
    const auto id = nextRunId_++;
    if (!spare_ && !reserving_ && blockEnd_ - nextRunId_ < kRunIdBlock / 2)
        reserveRunIdsAhead();
    return id;
}

void RunController::reserveRunIdsAhead()
{
    reserving_ = true;
    auto first = std::make_shared<std::int64_t>(0);
    commits_.enqueue([first](store::Store& s) {
                         *first = s.runIdHighWater() + 1;
                         s.reserveRunIds(*first + kRunIdBlock - 1);
                     },
                     [this, first](const core::Error* e) {
                         reserving_ = false;
                         if (!e)
                             spare_.emplace(*first, *first + kRunIdBlock - 1);
                     });
}

// The batch that recorded these runs' starts failed: nothing of it reached the store, so their
// requests are still pending there (the service reloads its book from the store). Their apps
// were told already; the runs go on, leave no history, and the requests run again afterwards.
void RunController::startsLost(const std::vector<std::int64_t>& runIds, const core::Error& error)
{
    for (auto id : runIds) {
        auto it = runs_.find(id);
        if (it == runs_.end())
            continue;
        it->second.recorded = false;
        log()->error("Run {}: its start could not be recorded ({}); {} stays pending and runs again "
                     "after this run", id, error.what(), it->second.task.request.identifier);
    }
}

void RunController::checkpointWriteDone(const TaskKey& key)
{
    if (auto it = checkpointWrites_.find(key); it != checkpointWrites_.end() && --it->second <= 0)
        checkpointWrites_.erase(it);
}

void RunController::registered(const std::string& connection, const std::string& app,
                               const std::vector<std::string>& identifiers)
{
    for (auto* target : targets_)
        target->registered(connection, app, identifiers);
}

void RunController::busNameOwnerChanged(const std::string& busName, const std::string& newOwner)
{
    for (auto* target : targets_)
        target->busNameOwnerChanged(busName, newOwner);
}

const ActiveRun* RunController::delivered(std::int64_t runId, const std::string& connection,
                                          bool launchedByDaemon)
{
    auto it = runs_.find(runId);
    if (it == runs_.end())
        return nullptr;
    auto& run = it->second;
    run.connection = connection;
    run.delivered = true;
    run.launchedByDaemon = launchedByDaemon;
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
    return &run;
}

void RunController::running(std::int64_t runId)
{
    auto it = runs_.find(runId);
    if (it == runs_.end() || it->second.task.state != core::RunState::Launching)
        return;
    it->second.task.state = core::RunState::Running;
    log()->info("Run {}: running{}{}{}", runId, it->second.connection.empty() ? "" : " in ",
                it->second.connection, it->second.launchedByDaemon ? " (started by bgtaskd)" : "");
    emit(it->second, "running");
    effects_.requestPlan();
}

void RunController::ended(std::int64_t runId, core::Outcome outcome, std::string reason,
                          core::RunUsage usage)
{
    if (const auto it = runs_.find(runId); it != runs_.end() && it->second.settling)
        return;   // the app completed first; complete() records its outcome
    finish(runId, outcome, std::move(reason), {}, std::move(usage));
}

void RunController::unreachable(std::int64_t runId, std::string why)
{
    auto node = runs_.extract(runId);
    if (node.empty())
        return;
    auto& run = node.mapped();
    if (run.target)
        run.target->forget(runId);
    log()->info("Run {}: {} of {} did not reach the app ({}); the request waits for it", runId,
                run.task.request.identifier, run.task.request.app, why);
    emit(run, "unreachable", why);
    if (hooks_.unreachable)
        hooks_.unreachable(run, why);
    effects_.requestPlan();
}

void RunController::stopDelegated(std::int64_t runId)
{
    auto it = runs_.find(runId);
    if (it == runs_.end() || it->second.task.state != core::RunState::Expiring)
        return;
    it->second.task.graceEnd.reset();
    effects_.requestPlan();
}

const ActiveRun* RunController::find(std::int64_t runId) const
{
    auto it = runs_.find(runId);
    return it == runs_.end() ? nullptr : &it->second;
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
    if (it->second.settling) {
        core::Error e(core::ErrorCode::NotFound, "no-such-task", "task " + std::to_string(runId) + " is completing");
        done(&e);
        return;
    }
    // Until the target has measured the run, nothing else ends it (not the connection closing
    // nor the time limit): the app's own word is its outcome.
    it->second.settling = true;
    it->second.target->measure(it->second, [this, runId, success, done = std::move(done)](core::RunUsage usage) mutable {
        auto settled = runs_.find(runId);
        if (settled == runs_.end()) {
            core::Error e(core::ErrorCode::NotFound, "no-such-task", "task " + std::to_string(runId) + " ended meanwhile");
            done(&e);
            return;
        }
        const auto& task = settled->second.task;
        if (task.state == core::RunState::Expiring)
            finish(runId, core::Outcome::Expired, task.expireReason, std::move(done), std::move(usage));
        else
            finish(runId, success ? core::Outcome::Completed : core::Outcome::Failed, "", std::move(done),
                   std::move(usage));
    });
}

void RunController::expire(std::int64_t runId, const std::string& reason)
{
    auto it = runs_.find(runId);
    if (it == runs_.end() || it->second.task.state == core::RunState::Expiring || it->second.settling)
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
    emit(run, "expiring", reason);
    run.target->expire(run, reason);   // may end the run at once
    effects_.requestPlan();
}

void RunController::launchTimedOut(std::int64_t runId)
{
    auto it = runs_.find(runId);
    if (it == runs_.end())
        return;
    if (!it->second.delivered && it->second.target) {
        it->second.target->launchWindowEnded(it->second);
        it = runs_.find(runId);
        if (it == runs_.end())
            return;   // the target found the app unreachable: the request waits again
    }
    const auto& run = it->second;
    finish(runId, core::Outcome::LaunchFailed,
           run.delivered ? "launch-timeout: the app did not answer Launch within the launch window"
                         : "never-registered: the app did not register " + run.task.request.identifier +
                               " within " + seconds(limits_.launchWindow));
}

void RunController::terminate(std::int64_t runId)
{
    auto it = runs_.find(runId);
    if (it == runs_.end() || it->second.settling)
        return;
    it->second.target->stop(it->second);
}

void RunController::connectionClosed(const std::string& connection)
{
    std::vector<std::int64_t> gone;
    for (const auto& [id, run] : runs_)
        if (run.connection == connection && !run.settling &&
            !(run.target && run.target->followsAfterConnectionClosed(run)))
            gone.push_back(id);
    // Asked after the runs: a target still knows the connection while it decides to follow one.
    for (auto* target : targets_)
        target->connectionClosed(connection);
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
                           CommitQueue::Done done, core::RunUsage usage)
{
    auto node = runs_.extract(runId);
    if (node.empty())
        return;
    auto& run = node.mapped();
    if (run.target)
        run.target->forget(runId);
    reason = core::boundedText(reason, core::kMaxReasonBytes);
    const auto now = effects_.now();
    {
        const TaskLogScope scope({run.task.request.app, run.task.request.identifier, runId, toString(outcome)});
        log()->info("Run {}: {} {}{}{}", runId, run.task.request.identifier, toString(outcome),
                    reason.empty() ? "" : ": ", reason);
    }
    // The task object goes only after the outcome is committed and SetTaskCompleted answered:
    // sd-bus checks a reply against the vtable of the object that received the call.
    // A success ends the work a checkpoint was resuming: the next run starts afresh.
    // A run whose start was lost (startsLost) has no row to finish: it still goes through the
    // queue, so that its caller is answered in order, but writes nothing.
    const bool clearCheckpoint = outcome == core::Outcome::Completed && run.recorded;
    TaskKey key{run.task.request.app, run.task.request.identifier};
    if (clearCheckpoint)
        checkpointWriteQueued(key);
    commits_.enqueue([runId, outcome, reason, now, usage, clearCheckpoint, recorded = run.recorded,
                      key](store::Store& s) {
                         if (!recorded)
                             return;
                         s.finishRun(runId, outcome, reason, now);
                         if (clearCheckpoint)
                             s.deleteCheckpoint(key.first, key.second);
                         if (usage != core::RunUsage{})
                             s.recordUsage(runId, usage);
                     },
                     [this, runId, delivered = run.delivered, done = std::move(done), clearCheckpoint,
                      key](const core::Error* e) {
                         if (clearCheckpoint)
                             checkpointWriteDone(key);
                         if (done)
                             done(e);
                         if (delivered)
                             effects_.withdrawTask(runId);
                     });
    emit(run, "ended", reason, outcome);
    if (hooks_.ended)
        hooks_.ended(run, outcome, now, usage);
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
            run.target->expire(run, reason);
        run.target->forget(id);
        if (!run.recorded)
            continue;   // its request never left the store
        // An init-capture: clang before 16 cannot capture a structured binding (the fuzz build).
        const bool exists = std::any_of(pending.begin(), pending.end(), [&request = run.task.request](const auto& r) {
            return r.app == request.app && r.identifier == request.identifier;
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

ActiveRun& RunController::ownedRun(const std::string& caller, std::int64_t runId)
{
    auto it = runs_.find(runId);
    if (it == runs_.end() || !it->second.delivered)
        throw core::Error(core::ErrorCode::NotFound, "no-such-task", "task " + std::to_string(runId) + " is not running");
    if (it->second.connection != caller)
        throw core::Error(core::ErrorCode::AccessDenied, "not-task-owner",
                          "task " + std::to_string(runId) + " was handed to another connection");
    return it->second;
}

ActiveRun& RunController::ownedContinuedRun(const std::string& caller, std::int64_t runId)
{
    auto& run = ownedRun(caller, runId);
    if (run.task.request.kind != core::TaskKind::ContinuedProcessing)
        throw core::Error(core::ErrorCode::NotPermitted, "not-continued-processing",
                          "only continued-processing tasks report progress and titles");
    return run;
}

// Committed through the queue like an outcome, so the reply (done) comes only once the bytes
// are on disk; the checkpoint belongs to (app, identifier), not to the run, so that the next
// launch after a crash, an expiration or a kill -9 of the daemon finds it.
void RunController::saveCheckpoint(const std::string& caller, std::int64_t runId,
                                   std::vector<std::uint8_t> data, CommitQueue::Done done)
{
    const auto& run = ownedRun(caller, runId);
    if (data.size() > core::kMaxCheckpointSize)
        throw core::Error(core::ErrorCode::InvalidArgument, "checkpoint-too-large",
                          "a checkpoint is at most " + std::to_string(core::kMaxCheckpointSize) +
                              " bytes, this one has " + std::to_string(data.size()));
    log()->info("Run {}: {} saved a checkpoint of {} bytes", runId, run.task.request.identifier, data.size());
    TaskKey key{run.task.request.app, run.task.request.identifier};
    checkpointWriteQueued(key);
    commits_.enqueue([runId, key, recorded = run.recorded, data = std::move(data),
                      now = effects_.now()](store::Store& s) {
                         if (data.empty())
                             s.deleteCheckpoint(key.first, key.second);
                         else
                             s.putCheckpoint(key.first, key.second, data, now);
                         if (recorded)
                             s.setRunCheckpointBytes(runId, static_cast<std::int64_t>(data.size()));
                     },
                     [this, key, done = std::move(done)](const core::Error* e) {
                         checkpointWriteDone(key);
                         done(e);
                     });
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
