// SPDX-License-Identifier: LGPL-2.1-or-later
// The life of every run, from the consumed request to its recorded outcome: activation of the
// app, waiting for it to register, Launch, time limit, Expire, grace, termination, and the app's
// connection going away. Owns the active runs; borrows the store, manifests, handler registry
// and the effects port.
#pragma once

#include "CommitQueue.h"
#include "Effects.h"
#include "HandlerRegistry.h"
#include "ManifestRegistry.h"
#include "NameOwnership.h"

#include "core/Limits.h"
#include "core/Run.h"

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace bgtask::service {

struct ActiveRun {
    core::RunningTask task;
    std::string connection;         // the handler's connection, once chosen
    bool delivered = false;         // Launch has been called
    bool launchedByDaemon = false;  // the process behind connection was started by bgtaskd
    bool reactivated = false;       // activated again after the app left before registering
    TaskProgress progress;          // continued processing: what Task1 shows
};

// What the owner of the runs hears about them (budgets, notifications).
struct RunHooks {
    std::function<void(const ActiveRun&)> delivered;        // Launch was called
    std::function<void(const ActiveRun&)> progressed;       // progress or titles changed
    std::function<void(const ActiveRun&, core::Outcome, core::TimePoint)> ended;
};

class RunController {
public:
    RunController(store::Store& store, CommitQueue& commits, const ManifestRegistry& manifests,
                  HandlerRegistry& handlers, const NameOwnership& names, const core::Limits& limits,
                  Effects& effects);

    // Consumes the requests (one durable transaction) and starts their runs.
    void launch(const std::vector<core::TaskRequest>& requests, bool simulated);

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
    void setHooks(RunHooks hooks) { hooks_ = std::move(hooks); }
    void launchTimedOut(std::int64_t runId);
    void terminate(std::int64_t runId);

    // Ends every active run as interrupted and puts its request back (daemon shutdown).
    void interruptAll(const std::string& reason);

    std::vector<core::RunningTask> snapshot() const;
    const std::map<std::int64_t, ActiveRun>& active() const { return runs_; }

    // The documented recovery rule for runs found unfinished at start: see TaskService::start.
    static void requeueInterrupted(store::Store& store, const core::RunningTask& run,
                                   const std::string& reason, core::TimePoint now,
                                   bool requestExists);

private:
    void proceed(ActiveRun& run);
    ActiveRun& ownedContinuedRun(const std::string& caller, std::int64_t runId);
    void activateFor(const core::Manifest& app);
    void deliver(ActiveRun& run, const std::string& connection);
    void finish(std::int64_t runId, core::Outcome outcome, std::string reason,
                CommitQueue::Done done = {});
    void emit(const ActiveRun& run, std::string_view event, std::string reason = {},
              std::optional<core::Outcome> outcome = std::nullopt);

    store::Store& store_;
    CommitQueue& commits_;
    const ManifestRegistry& manifests_;
    HandlerRegistry& handlers_;
    const NameOwnership& names_;
    const core::Limits& limits_;
    Effects& effects_;
    RunHooks hooks_;

    std::map<std::int64_t, ActiveRun> runs_;
    std::set<std::string> activating_;           // app ids with an activation in flight
    std::set<std::string> awaitingLaunchedOwner_;// bus names we started whose owner is not seen yet
    std::set<std::string> launchedConnections_;  // connections of processes bgtaskd started
};

} // namespace bgtask::service
