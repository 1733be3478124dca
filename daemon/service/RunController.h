// SPDX-License-Identifier: LGPL-2.1-or-later
// The life of every run, from the consumed request to its recorded outcome: the durable start,
// the time limit, expiration and its grace period, the task's connection going away, and the
// outcome in the history. How a task is started, told to expire and stopped is its launch
// target's business (LaunchTarget.h); this class only hands runs to the target that serves
// the app and hears back through RunReports, which it implements. Owns the active runs;
// borrows the store, manifests, the targets and the effects port.
#pragma once

#include "CommitQueue.h"
#include "Effects.h"
#include "LaunchTarget.h"
#include "ManifestRegistry.h"

#include "core/Limits.h"
#include "core/Run.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace bgtask::service {

struct ActiveRun {
    core::RunningTask task;
    std::string connection;         // the handler's connection, once chosen
    bool delivered = false;         // Launch has been called
    bool launchedByDaemon = false;  // the process behind connection was started by bgtaskd
    bool reactivated = false;       // activated again after the app left before registering
    bool settling = false;          // SetTaskCompleted came; its outcome waits for the target's measure()
    TaskProgress progress;          // continued processing: what Task1 shows
    LaunchTarget* target = nullptr; // the target that runs it
    // The run's start is in the store, or on its way there in the commit queue. false only
    // after that commit failed: the request is still pending in the store, the run goes on in
    // memory, and its end leaves no history (the request runs again).
    bool recorded = true;
};

// What the owner of the runs hears about them (budgets, notifications).
struct RunHooks {
    std::function<void(const ActiveRun&)> delivered;        // Launch was called
    std::function<void(const ActiveRun&)> progressed;       // progress or titles changed
    std::function<void(const ActiveRun&, core::Outcome, core::TimePoint, const core::RunUsage&)> ended;
    // The launch did not reach the app: the run is gone without an outcome; the owner puts its
    // request back (RunReports::unreachable).
    std::function<void(const ActiveRun&, const std::string& why)> unreachable;
};

class RunController final : public RunReports {
public:
    RunController(store::Store& store, CommitQueue& commits, const ManifestRegistry& manifests,
                  const core::Limits& limits, Effects& effects);

    // Targets are asked in the order added; the last one added is the fallback (see
    // LaunchTarget::serves). Borrowed: they outlive the runs.
    void addTarget(LaunchTarget& target) { targets_.push_back(&target); }

    // Consumes the requests and starts their runs; returns the moment
    // their runs record as started, which is what fairness and the catch-up governor must count
    // (the caller's own clock reading may be earlier by the time it took to get here).
    // coalesced: the request ids (of `requests`) that launch as one network coalescing group;
    // their runs record the first one's run id as their group.
    // The targets are asked to start the runs (Handler1.Launch goes out) before the runs' starts
    // are durable: those are committed by the commit queue's batch of this loop turn, right
    // after. Crash semantics (docs/bgtaskd.8.md, "Crashes"): a run launched in the last moments
    // before a crash may leave no record, so its request is still pending after a restart and
    // launches again; a recorded start is always durable before its outcome.
    core::TimePoint launch(const std::vector<core::TaskRequest>& requests, bool simulated,
                           const std::vector<std::int64_t>& coalesced = {});

    void registered(const std::string& connection, const std::string& app,
                    const std::vector<std::string>& identifiers);
    void busNameOwnerChanged(const std::string& busName, const std::string& newOwner);
    void connectionClosed(const std::string& connection);

    // SetTaskCompleted from `caller`; done() after the outcome is committed.
    void complete(const std::string& caller, std::int64_t runId, bool success, CommitQueue::Done done);
    void expire(std::int64_t runId, const std::string& reason);
    // Task1.UpdateProgress / UpdateTitle from `caller`. Throw core::Error: NotFound
    // (no-such-task), AccessDenied (not-task-owner), NotPermitted (not-continued-processing),
    // InvalidArgument (out-of-range, missing-title).
    void updateProgress(const std::string& caller, std::int64_t runId, std::int64_t completed,
                        std::int64_t total);
    void updateTitle(const std::string& caller, std::int64_t runId, const std::string& title,
                     const std::string& subtitle);
    // Task1.SaveCheckpoint from `caller`: durable (committed) before done(). Empty data removes
    // the checkpoint. Throws core::Error: NotFound (no-such-task), AccessDenied (not-task-owner),
    // InvalidArgument (checkpoint-too-large).
    void saveCheckpoint(const std::string& caller, std::int64_t runId, std::vector<std::uint8_t> data,
                        CommitQueue::Done done);
    void setHooks(RunHooks hooks) { hooks_ = std::move(hooks); }
    void launchTimedOut(std::int64_t runId);
    // The grace period is over: the run's target ends it by force or takes the stop over.
    void terminate(std::int64_t runId);

    // RunReports
    const ActiveRun* delivered(std::int64_t runId, const std::string& connection,
                               bool launchedByDaemon) override;
    void running(std::int64_t runId) override;
    void ended(std::int64_t runId, core::Outcome outcome, std::string reason,
               core::RunUsage usage) override;
    void unreachable(std::int64_t runId, std::string why) override;
    void stopDelegated(std::int64_t runId) override;
    const ActiveRun* find(std::int64_t runId) const override;

    // Reserves the first block of run ids, durably (at start, so that no launch waits for it).
    void reserveRunIds();

    // Ends every active run as interrupted and puts its request back (daemon shutdown).
    void interruptAll(const std::string& reason);

    std::vector<core::RunningTask> snapshot() const;
    const std::map<std::int64_t, ActiveRun>& active() const { return runs_; }

    // The documented recovery rule for runs found unfinished at start: see TaskService::start.
    static void requeueInterrupted(store::Store& store, const core::RunningTask& run,
                                   const std::string& reason, core::TimePoint now,
                                   bool requestExists);

private:
    LaunchTarget* targetFor(const std::string& app) const;
    ActiveRun& ownedRun(const std::string& caller, std::int64_t runId);
    ActiveRun& ownedContinuedRun(const std::string& caller, std::int64_t runId);
    void finish(std::int64_t runId, core::Outcome outcome, std::string reason,
                CommitQueue::Done done = {}, core::RunUsage usage = {});
    void emit(const ActiveRun& run, std::string_view event, std::string reason = {},
              std::optional<core::Outcome> outcome = std::nullopt);

    std::int64_t takeRunId();
    void reserveRunIdsAhead();
    void startsLost(const std::vector<std::int64_t>& runIds, const core::Error& error);
    using TaskKey = std::pair<std::string, std::string>;   // (app, identifier)
    void checkpointWriteQueued(const TaskKey& key) { ++checkpointWrites_[key]; }
    void checkpointWriteDone(const TaskKey& key);

    store::Store& store_;
    CommitQueue& commits_;
    const ManifestRegistry& manifests_;
    const core::Limits& limits_;
    Effects& effects_;
    RunHooks hooks_;

    std::vector<LaunchTarget*> targets_;
    std::map<std::int64_t, ActiveRun> runs_;

    // Run ids are handed out before their runs are recorded, from blocks reserved in the store
    // ahead of use (Store::reserveRunIds), so that none is used twice, even across a crash.
    std::int64_t nextRunId_ = 1;
    std::int64_t blockEnd_ = 0;                                   // current block: [nextRunId_, blockEnd_]
    std::optional<std::pair<std::int64_t, std::int64_t>> spare_; // the next block, reserved
    bool reserving_ = false;                                      // a reservation is in the queue
    // Checkpoint writes still in the commit queue, per task: a launch of that task must read
    // the checkpoint after them.
    std::map<TaskKey, int> checkpointWrites_;
};

} // namespace bgtask::service
