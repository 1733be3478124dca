// SPDX-License-Identifier: LGPL-2.1-or-later
// The daemon's use cases behind Scheduler1 and Manager1: who the caller is, validation and
// quotas (core), durable submit/cancel through the group commit, the in-memory request book,
// planning, and recovery at start. Owns the book, the commit queue and the run controller;
// borrows the store, manifests and the effects port. No D-Bus types: the bus layer decodes and
// encodes around it.
#pragma once

#include "CommitQueue.h"
#include "Effects.h"
#include "HandlerRegistry.h"
#include "ManifestRegistry.h"
#include "NameOwnership.h"
#include "RunController.h"
#include "ScheduleKeeper.h"
#include "UnmetTracker.h"
#include "UsageLedger.h"

#include "core/Conditions.h"
#include "core/Limits.h"
#include "core/PendingSet.h"
#include "core/Planner.h"
#include "core/Simulation.h"
#include "core/Policy.h"
#include "core/SystemState.h"
#include "store/Store.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace bgtask::service {

struct RequestView {
    core::TaskRequest request;
    core::Readiness readiness;
    std::optional<ScheduleView> schedule;   // set for the request of a schedule
};

// One unmet condition of a pending request, for Manager1.Explain.
struct Blocker {
    std::string condition;               // the stable id, e.g. "external-power"
    std::string reason;                  // "<condition>: <observed value>"
    std::string remedy;                  // what would unblock it, in plain words
    std::optional<core::TimePoint> since;  // when the daemon first saw it unmet
};

// Manager1.Explain: exactly one of pending, running and lastRun is set.
struct Explanation {
    std::optional<RequestView> pending;
    std::vector<Blocker> blockers;       // for pending
    std::optional<ActiveRun> running;
    std::optional<core::RunRecord> lastRun;
    std::optional<ScheduleView> schedule;   // the schedule of a pending request or running task
    // The checkpoint the identifier's next launch gets (Task1.SaveCheckpoint), in any state.
    std::optional<store::CheckpointInfo> checkpoint;
    core::TimePoint now{};
};

// One app's policy as Manager1.GetPolicy shows it.
struct PolicyView {
    core::PolicyDecision refresh;
    core::PolicyDecision continued;
    bool refreshUser = true;       // the user's own switch at this level (true when never set)
    bool continuedUser = true;
};

// A manifest with its requests, tasks, policy and budget, for Manager1.ListApps.
struct AppView {
    const core::Manifest* manifest = nullptr;
    std::size_t pending = 0;
    std::size_t running = 0;
    PolicyView policy;
    core::AppUsage usage;
    core::Duration budgetUsed{};                 // usage.charged()
    core::Duration budgetLimit{};                // 0: none
    core::TimePoint budgetResetsAt{};
    std::optional<core::TimePoint> nextRefreshAt;  // when spacing permits the next refresh
    std::vector<ScheduleView> schedules;          // its schedules, by identifier
    std::int64_t learnedOpens = 0;                // refresh timed to usage: opens learned
    std::optional<core::TimePoint> nextUse;       // the predicted next use, once enough are
};

// Manager1.Simulate's request, decoded.
struct SimulateRequest {
    core::Duration span = std::chrono::hours(24);
    std::string scenario;       // the scenario's text (core/Scenario.h); empty: the state stays
    std::string scenarioName;   // the file name the user gave, for errors
    std::string app;            // only this app's events; "" every app's
};

// A simulation ready to run: a copy of what it needs, taken from the service on the loop, so
// that core::simulate() can run anywhere (the daemon runs it on a worker thread).
struct PreparedSimulation {
    core::SimulationInput input;
    core::SimulationOptions options;
};

// Everything the daemon's configuration decides about the service.
struct ServiceConfig {
    core::Limits limits;
    core::FairnessLimits fairness;
    std::chrono::minutes budgetResetTime{4 * 60};
    core::Switches adminGlobal;
    std::map<std::string, core::Switches, std::less<>> adminApps;
    // Seeds of the schedules' jitter; empty: drawn from std::random_device.
    std::function<std::uint64_t()> scheduleSeeds;
};

class TaskService {
public:
    using Done = CommitQueue::Done;

    TaskService(store::Store& store, ManifestRegistry& manifests, const ServiceConfig& config,
                Effects& effects, std::function<void()> scheduleFlush);

    // Recovers runs left unfinished by a previous process (interrupted; request put back unless
    // the app has a newer one) and loads the pending requests.
    void start();
    // Expires running tasks with "daemon-shutdown", records them interrupted, requeues them.
    void shutdown();

    // Scheduler1 (caller = the sender's unique name)
    std::vector<std::string> registerHandlers(const std::string& caller,
                                              const std::vector<std::string>& identifiers);
    void submit(const std::string& caller, core::TaskRequest request, Done done);
    void cancel(const std::string& caller, const std::string& identifier, Done done);
    void cancelAll(const std::string& caller, Done done);
    std::vector<core::TaskRequest> pendingOf(const std::string& caller) const;
    // (supported, unavailable resource → why) for the caller's app.
    std::pair<std::vector<std::string>, std::map<std::string, std::string>>
    supportedResources(const std::string& caller) const;
    core::PolicyStatus refreshStatus(const std::string& caller) const;

    // Task1. Each throws (or answers) NotPermitted "name-not-owned" when the caller was handed
    // the task but no longer owns its app's bus name.
    void complete(const std::string& caller, std::int64_t runId, bool success, Done done);
    // Throws core::Error for a bad call (RunController::saveCheckpoint); else done() once durable.
    void saveCheckpoint(const std::string& caller, std::int64_t runId, std::vector<std::uint8_t> data,
                        Done done);
    void updateProgress(const std::string& caller, std::int64_t runId, std::int64_t completed,
                        std::int64_t total);
    void updateTitle(const std::string& caller, std::int64_t runId, const std::string& title,
                     const std::string& subtitle);

    // The user picked Cancel on a continued-processing notification: a running task expires
    // with "user-cancelled", a waiting request is dropped.
    void notificationCancelled(const std::string& app, const std::string& identifier);

    // Manager1
    // Whether the caller (a unique name) owns the bus name of the app with this id: it is that app.
    bool actsFor(const std::string& caller, const std::string& app) const;
    std::vector<RequestView> listRequests() const;
    // Why a request has not run, how a running task stands, or how its last run ended.
    // Throws NotFound ("no-such-request") when the app has none of the three.
    Explanation explain(const std::string& app, const std::string& identifier);
    std::vector<AppView> apps() const;
    const std::map<std::int64_t, ActiveRun>& running() const { return runs_.active(); }
    std::vector<core::RunRecord> history(const store::HistoryFilter& filter);
    void runNow(const std::string& app, const std::string& identifier, Done done);
    // Expires the app's running task with this identifier with reason "simulated".
    // Throws NotFound ("no-such-task").
    void expireNow(const std::string& app, const std::string& identifier);
    void cancelFor(const std::string& app, const std::string& identifier, Done done);
    // Refresh timed to usage: drops what was learned of the app's opens; done once committed.
    // done(NotFound no-such-app) for an app without a manifest.
    void forgetUsage(const std::string& app, Done done);
    // app "" is every app. Throws NotFound (no-such-app).
    PolicyView policyOf(const std::string& app) const;
    // done(error): InvalidArgument (unknown-setting), NotFound (no-such-app), NotPermitted
    // (restricted), or nullptr once the switch is committed.
    void setPolicy(const std::string& app, const std::string& setting, bool enabled, Done done);

    // What would happen over the request's span under its scenario (core/Simulation.h); changes
    // nothing. Throws InvalidArgument (out-of-range: span not within 1 h to 168 h; bad-scenario
    // with file:line), NotFound (no-such-app: an app filter without a manifest).
    core::SimulationResult simulate(const SimulateRequest& request);
    // The same in two halves: the snapshot (checks and throws as simulate() does), cheap;
    // then core::simulate(std::move(prepared.input), prepared.options), the long part.
    PreparedSimulation prepareSimulation(const SimulateRequest& request);

    // Schedules (ScheduleKeeper.h): every schedule with its state, by app and identifier; one.
    std::vector<ScheduleView> schedules() const;
    std::optional<ScheduleView> scheduleOf(const std::string& app, const std::string& identifier) const;
    // The manifests were read again (SIGHUP, or a change seen in their directories): the
    // pending requests of the apps whose manifest was removed (ManifestRegistry::removedApps)
    // are dropped, each leaving a history record (outcome dropped, reason "manifest-removed");
    // schedules are added, replaced or dropped to match the manifests. Running tasks go on.
    void manifestsReloaded();

    // Bus events
    void nameOwnerChanged(const std::string& name, const std::string& oldOwner,
                          const std::string& newOwner);
    // The owner of a well-known name found at start-up: like a change, but no open is learned
    // (the app was started before bgtaskd, not necessarily by the user now).
    void nameOwnerKnown(const std::string& name, const std::string& owner);

    // The machine's state as the sources see it; a change re-plans (launches what became
    // eligible, expires runs whose condition was lost).
    void setSystemState(const core::SystemState& state);
    const core::SystemState& systemState() const { return state_; }
    // Re-plan now (resume from sleep, clock change, the scheduling timer): time has passed, so
    // every request's blockers are looked at again.
    void requestPlan() { effects_.requestPlan(); }
    // The machine resumed from sleep (logind PrepareForSleep(false)): a catch-up begins (see
    // core/CatchUp.h), then a re-plan.
    void resumed();

    // The scheduling decision: act on core::plan() and arm the timer.
    void planNow();
    void flushCommits() { commits_.flush(); }

    const ManifestRegistry& manifests() const { return manifests_; }
    const core::Limits& limits() const { return limits_; }

    // Launch targets: what they may borrow, and adding one (in the order they are asked; the
    // last is the fallback). Targets are borrowed and must outlive shutdown().
    LaunchContext launchContext() { return {runs_, manifests_, handlers_, names_}; }
    void addLaunchTarget(LaunchTarget& target) { runs_.addTarget(target); }

private:
    // The app among those the caller owns that permits the identifier (for any kind when kind
    // is nullopt). Throws AccessDenied when the caller owns no app's bus name.
    const core::Manifest& appFor(const std::string& caller, const std::string& identifier,
                                 std::optional<core::TaskKind> kind) const;
    std::vector<const core::Manifest*> appsOf(const std::string& caller) const;
    // f(manifest) for each app whose bus name the caller owns, in no particular order.
    template <typename F>
    void forEachAppOf(const std::string& caller, F&& f) const
    {
        for (const auto& name : names_.namesOwnedBy(caller))
            manifests_.forEachByBusName(name, f);
    }
    // Continued processing: the caller must have registered the identifier; with the "fail"
    // strategy it must be able to start at once (ImmediateRunIneligible otherwise).
    void checkContinuedCanRun(const std::string& caller, const core::TaskRequest& request) const;
    void checkGpu(const core::Manifest& app, const core::TaskRequest& request) const;
    // Task1 calls: the connection a task was handed to acts on it only while it owns its app's
    // bus name. Throws NotPermitted (name-not-owned).
    void checkOwnsTaskApp(const std::string& caller, std::int64_t runId) const;
    // explain() without the checkpoint: the request's, task's or last run's state.
    Explanation explainState(const std::string& app, const std::string& identifier);
    // Expires the app's running task of this identifier with "app-cancelled"; false if none.
    bool expireRunningFor(const std::string& app, const std::string& identifier, const std::string& reason);
    // Removes a pending request (book, store, TaskChanged "cancelled", notification).
    void dropRequest(const std::string& app, const std::string& identifier, Done done);
    // Continued processing: the notification of (app, identifier) as it now stands.
    void refreshNotification(const std::string& app, const std::string& identifier);
    void onRunDelivered(const ActiveRun& run);
    void onRunEnded(const ActiveRun& run, core::Outcome outcome, core::TimePoint at,
                    const core::RunUsage& usage);
    // The launch did not reach the app: the run leaves no trace and its request waits again,
    // "app-unreachable" until the app registers or the retry comes (core/Reachability.h).
    void onRunUnreachable(const ActiveRun& run, const std::string& why);
    void connectionGone(const std::string& connection);
    // Refresh timed to usage: the bus name of an app appeared; learns an open of each app it
    // names that bgtaskd did not launch.
    void learnOpens(const std::string& busName);
    // policyOf() without the check that the app exists.
    PolicyView policyView(const std::string& app) const;
    // A user's switch, once stored: policy table, PolicyChanged, re-plan.
    void applyUserPolicy(const std::string& app, core::PolicySetting setting, bool enabled);
    // app → (refresh, continued) statuses, to tell whom a change of the every-app switch concerns.
    std::map<std::string, std::pair<core::PolicyStatus, core::PolicyStatus>> policyStatuses() const;
    void dropOrphanedContinued(std::vector<core::TaskRequest>& pending);
    // Schedules (TaskServiceSchedules.cpp): submits a request the keeper decided on, in the
    // same commit batch as the state change behind it; applies a reconciliation.
    void putScheduledRequest(core::TaskRequest request);
    void applyScheduleChanges(ScheduleChanges changes);
    // The app's manifest was removed: its pending requests go, each with a history record.
    void dropRemovedApp(const std::string& app);
    // At start: dropRemovedApp() for each app with requests and without a manifest.
    void dropAppsWithoutManifest();
    bool isRunning(const std::string& app, const std::string& identifier) const;
    // Cancels (app, identifier) on the app's behalf, its schedule's way: a running task expires
    // with "app-cancelled"; a pending request is dropped, or for a manifest schedule replaced
    // by its next occurrence. Returns whether a pending request was dropped or replaced.
    bool cancelIdentifier(const std::string& app, const std::string& identifier);
    void reloadBook();
    // Evaluates every pending request and records when each unmet condition was first seen.
    std::vector<RequestView> evaluateAll(core::TimePoint now) const;
    // Keeps the first-seen times current at the least cost (see UnmetTracker).
    void trackUnmet(core::TimePoint now);
    // The shared scopes of the first-seen times: conditions per key, the slots.
    void trackShared(core::TimePoint now) const;
    bool scheduledSlotsFull() const;
    // The per-request first-seen times of these requests are looked at again on the next pass.
    void refreshContinued();
    void refreshApp(const std::string& app);
    // Since when the pending request has waited for the blocker (explain).
    std::optional<core::TimePoint> sinceOf(const core::TaskRequest& request, const std::string& blocker) const;
    // A catch-up begins (logged) unless the governor is switched off.
    void beginCatchUp(core::TimePoint now, const std::string& cause);
    // After a plan: ends a catch-up that held nothing back once it may end; the wake-up to
    // arm, moved earlier to the moment it may end when it still lasts.
    std::optional<core::TimePoint> settleCatchUp(const core::Plan& plan, core::TimePoint now);

    store::Store& store_;
    ManifestRegistry& manifests_;
    core::Limits limits_;
    core::PolicyTable policyTable_;   // user's switches from the store, administrator's from config
    UsageLedger usage_;
    Effects& effects_;
    NameOwnership names_;
    HandlerRegistry handlers_;
    // The pending requests, mirroring the store (the truth: reloaded after a failed commit).
    core::PendingSet book_;
    CommitQueue commits_;
    RunController runs_;
    ScheduleKeeper schedules_;
    std::int64_t nextRequestId_ = 1;
    // Until the first report of the sources, the state is unknown everywhere.
    core::SystemState state_;
    core::GatingPolicy policy_;
    // When each blocker of each pending request was first seen.
    mutable UnmetTracker unmet_;
    // Continued processing runs in the process that submitted it: (app, identifier) → the
    // submitting connection, while the request waits.
    std::map<std::pair<std::string, std::string>, std::string> submitters_;
};

} // namespace bgtask::service
