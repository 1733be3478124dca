// SPDX-License-Identifier: LGPL-2.1-or-later
// The operator's view of bgtaskd (org.bgtaskd.Manager1) for tools such as bgtaskctl: every app's
// pending requests and running tasks, the history, simulated launches. Owns its own bus
// connection, opened on first use; calls are synchronous. Not for apps: they use Scheduler.
#pragma once

#include <bgtask/Export.h>
#include <bgtask/SchedulerError.h>
#include <bgtask/TaskRequest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bgtask {

enum class Bus {
    Session,  // the user's bgtaskd
    System,   // the system's bgtaskd, for system services
};

// A schedule bgtaskd keeps one pending request of (ListSchedules): a [Schedule] group of an app's
// manifest, or a periodic or retried request an app submitted (Scheduler::schedulePeriodic(),
// Scheduler::submitWithRetry()).
struct ScheduleRecord {
    std::string app;
    std::string identifier;
    std::string kind;
    std::string source;  // "manifest" or "app" (newer daemons may add values)
    std::chrono::microseconds interval{0};  // 0: not periodic, retried until a run succeeds
    std::chrono::microseconds flex{0};
    std::chrono::microseconds randomizedDelay{0};
    std::chrono::microseconds backoffDelay{0};     // the first retry's delay
    std::chrono::microseconds maxBackoffDelay{0};  // the longest retry delay
    std::optional<TimePoint> periodStart;  // the interval counts from here (last success or cancel)
    std::optional<TimePoint> lastSuccess;  // end of the last successful run
    std::optional<TimePoint> lastRunEnd;   // end of the last run
    std::uint32_t failures = 0;            // unsuccessful runs since the last success
    std::optional<TimePoint> nextRunNotBefore;  // its pending request's earliest date; unset while it runs
    bool running = false;                       // its task is launching, running or expiring
};

// A pending request (ListRequests). Kinds and states stay strings: the daemon may add values.
struct RequestRecord {
    std::string app;
    std::string identifier;
    std::string kind;
    std::optional<TimePoint> submittedAt;
    std::optional<TimePoint> earliestBeginDate;
    // The request with its options; unset for a kind this library does not know.
    std::optional<TaskRequest> request;
    // Why it has not run yet, in one line; empty when it is due now.
    std::string waiting;
    // Set for the request of a schedule.
    std::optional<ScheduleRecord> schedule;
};

// A task that is launching, running or expiring (ListRunningTasks).
struct RunningTaskRecord {
    std::string task;  // its org.bgtaskd.Task1 object path
    std::string app;
    std::string identifier;
    std::string kind;
    std::string state;  // "launching", "running" or "expiring"
    std::optional<TimePoint> startedAt;
    std::optional<TimePoint> deadline;
    bool launchedByDaemon = false;  // bgtaskd started the app's process for this work
    bool simulated = false;
    std::string expireReason;  // while expiring
};

// A finished run (GetHistory).
struct HistoryRecord {
    std::uint64_t run = 0;
    std::string app;
    std::string identifier;
    std::string kind;
    std::optional<TimePoint> startedAt;
    std::optional<TimePoint> endedAt;
    // "completed", "failed", "expired", "terminated", "launch-failed", "app-exited", "interrupted",
    // "cancelled" (continued processing whose process went away), "dropped" (a pending request
    // removed without running: its app's manifest was removed)
    std::string outcome;
    std::string reason;
    bool simulated = false;
    // Runs that ran in a systemd unit: what its accounting reported (nullopt: not measured, or
    // the service manager lacks the figure) and why it ended abnormally as systemd saw it
    // ("oom-kill", "signal", "core-dump", "timeout", "exit-code"; "" when it did not).
    std::optional<std::chrono::nanoseconds> cpuTime;
    std::optional<std::uint64_t> memoryPeakBytes;
    std::optional<std::uint64_t> ioReadBytes;
    std::optional<std::uint64_t> ioWriteBytes;
    std::string endCause;
    // Network requests that launched together (network coalescing) share this group: the run
    // number of the group's first run. nullopt for a run that launched on its own.
    std::optional<std::uint64_t> coalesceGroup;
    // The size in bytes of the last checkpoint the run saved (Task::saveCheckpoint; 0: it removed
    // the checkpoint); nullopt when it saved none.
    std::optional<std::uint64_t> checkpointSize;
};

struct HistoryFilter {
    std::optional<std::string> app;
    std::optional<std::string> identifier;
    std::optional<TimePoint> since;      // runs started at or after
    std::optional<std::uint32_t> limit;  // newest N; the daemon's default is 100
};

// What the what-if simulator is asked (Manager1.Simulate).
struct SimulationRequest {
    std::optional<std::uint32_t> hours;  // how far ahead, 1 to 168; the daemon's default is 24
    std::string scenario;                // the scenario's text (bgtaskctl(1)); empty: the state stays
    std::string scenarioName;            // the file name the daemon's errors quote
    std::string app;                     // only this app's events; empty: every app's
};

// One thing the simulator predicts. Strings, as the daemon may add values.
struct SimulationEvent {
    std::optional<TimePoint> at;
    // "state" (a scenario step), "launch", "wait" (a request's first blocker changed), "end",
    // "resubmit" (a schedule's next request)
    std::string event;
    std::string app;         // empty for "state"
    std::string identifier;
    std::string kind;
    // launch: how long the run is expected to last; end: how long it ran
    std::optional<std::chrono::microseconds> duration;
    std::string outcome;     // end: "completed" or "expired"
    std::string reason;      // state: its settings; wait: the blocker; end: the expiration reason
};

struct Simulation {
    std::vector<SimulationEvent> events;  // in time order
    bool truncated = false;               // the daemon's event cap cut the list short
};

// What bgtaskd sees of the machine (org.bgtaskd.Manager1.SystemState). An unset field is
// unknown: its source is missing, disabled or has not answered yet.
struct SystemStatus {
    std::optional<bool> onExternalPower;
    std::optional<int> batteryPercent;
    std::optional<std::string> batteryState;   // "charging", "discharging", "full", "not-charging"
    std::optional<std::string> connectivity;   // "none", "portal", "limited", "full"
    std::optional<bool> metered;
    std::optional<bool> gpuAvailable;
    std::optional<bool> sessionLocked;
    std::optional<bool> userIdle;
    std::optional<bool> userLoggedInSinceBoot;
    std::optional<bool> lowPowerMode;
    // D-Bus key ("OnExternalPower", …) → the source that reported it ("power", "network", …).
    std::map<std::string, std::string> sources;
    std::vector<std::string> disabledSources;
};

// One thing that keeps a pending request from running (Explain).
struct Blocker {
    // A stable id: "earliest-begin-date", "network", "external-power", …, and beyond the system
    // conditions "refresh-disabled-by-user", "refresh-restricted", "continued-disabled-by-user",
    // "continued-restricted", "refresh-spacing", "daily-budget", "concurrency-limit",
    // "continued-queue" (newer daemons may add ids).
    std::string condition;
    std::string reason;     // "<condition>: <observed value>"
    std::string remedy;     // what would unblock it, in plain words
    std::optional<TimePoint> since;  // when bgtaskd first saw it unmet; unset if unknown
};

// Why a request has not run, how its task is doing, or how its last run ended (Explain).
struct Explanation {
    // "pending", "launching", "running", "expiring" or "finished" (newer daemons may add values).
    std::string state;
    std::string kind;
    // pending
    std::vector<Blocker> blockers;  // empty when it is due now
    // Set only when every blocker ends at a known time (earliest begin date, refresh spacing,
    // daily budget).
    std::optional<TimePoint> dueAt;
    // launching, running, expiring
    std::string task;  // its org.bgtaskd.Task1 object path
    std::optional<TimePoint> deadline;
    std::chrono::microseconds remaining{0};  // until the deadline; 0 when past or without one
    std::string expireReason;
    // a continued-processing task that is launching, running or expiring; unset for other kinds
    std::optional<std::int64_t> completedUnitCount;
    std::optional<std::int64_t> totalUnitCount;
    std::string title;
    std::string subtitle;
    std::optional<TimePoint> stallDeadline;  // expired as "stalled" without progress by then
    // running and finished
    std::optional<TimePoint> startedAt;
    // finished
    std::string outcome;  // as in HistoryRecord
    std::string reason;
    std::optional<TimePoint> endedAt;
    // pending, launching, running, expiring: set for a schedule's request or task
    std::optional<ScheduleRecord> schedule;
    // any state: the checkpoint the identifier's next launch receives (Task::saveCheckpoint), its
    // size in bytes and when it was saved; unset when there is none
    std::optional<std::uint64_t> checkpointSize;
    std::optional<TimePoint> checkpointSavedAt;
};

// One of the user's switches over background work (Manager1.SetPolicy).
enum class PolicySetting {
    Refresh,    // Background App Refresh: app-refresh requests
    Continued,  // continued-processing requests
};

// "refresh" or "continued", the names Manager1 uses.
BGTASK_EXPORT std::string_view toString(PolicySetting setting) noexcept;

// Where one setting stands for an app, or for every app (Manager1.GetPolicy). Strings, as the
// daemon may add values; empty when a daemon older than the policy did not say.
struct SettingPolicy {
    std::string status;  // the effective status: "available", "denied" or "restricted"
    std::string source;  // who decided it: "default", "user" or "administrator"
    bool user = true;    // the user's own switch at this level; true when never set
};

struct AppPolicy {
    SettingPolicy refresh;    // app-refresh requests
    SettingPolicy continued;  // continued-processing requests
};

// An app with a valid manifest (ListApps).
struct AppRecord {
    std::string app;
    std::string busName;
    std::vector<std::string> identifiers;  // exact ones, then "prefix.*" wildcards
    std::vector<std::string> kinds;
    std::vector<std::string> entitlements;
    std::string exec;  // empty when none
    std::string file;  // the manifest file
    std::uint32_t pending = 0;
    std::uint32_t running = 0;  // its active tasks
    AppPolicy policy;
    // Background time charged today: finished runs plus termination penalties.
    std::chrono::microseconds budgetUsed{0};
    std::optional<std::chrono::microseconds> budgetLimit;  // unset: no daily budget
    std::optional<TimePoint> budgetResetsAt;
    std::uint32_t terminations = 0;  // runs ended by termination today
    std::optional<TimePoint> lastLaunch;  // newest launch of a scheduled kind; unset: never
    // The earliest time refresh spacing permits its next app-refresh launch; unset: now.
    std::optional<TimePoint> nextRefreshAt;
    std::vector<ScheduleRecord> schedules;  // its schedules, by identifier
    // Refresh timed to usage: the opens bgtaskd learned and the predicted next use (unset while
    // too few are known); app-refresh launches in the hour before it.
    std::uint64_t learnedOpens = 0;
    std::optional<TimePoint> nextUse;
};

// Something wrong in a manifest (GetManifestProblems).
struct ManifestProblem {
    std::string file;
    int line = 0;  // 0 when not about one line
    std::string message;
    bool fatal = false;  // the manifest was skipped
};

// One thing that happened in bgtaskd (monitor()).
struct ManagerEvent {
    enum class Type {
        TaskChanged,   // Manager1.TaskChanged: app, identifier, event, kind, task, outcome, reason
        SystemState,   // the machine's state changed, or the snapshot monitor() starts with
        PolicyChanged, // Manager1.PolicyChanged: app ("" for the every-app switches), policy
    };
    Type type = Type::TaskChanged;
    std::string app;
    std::string identifier;
    // "submitted", "replaced", "cancelled", "launching", "running", "expiring", "ended", …
    std::string event;
    std::string kind;
    std::string task;     // the Task1 object path, for task events
    std::string outcome;  // for "ended", and "dropped" for a "cancelled" by bgtaskd itself
    std::string reason;   // for "expiring" and "ended"
    SystemStatus systemState;  // for Type::SystemState
    AppPolicy policy;          // for Type::PolicyChanged
};

// How a Manager reaches bgtaskd.
struct ManagerOptions {
    // false: never start bgtaskd by D-Bus activation; when it is not running, calls fail with
    // NoScheduler ("not-running") at once. For shell completion and status bars, which should
    // not start a daemon just to look.
    bool activate = true;
    // How long one call may take before it fails with NoScheduler; zero: the bus library's
    // default (25 s).
    std::chrono::milliseconds callTimeout{0};
};

class BGTASK_EXPORT Manager {
public:
    explicit Manager(Bus bus = Bus::Session);
    Manager(Bus bus, const ManagerOptions& options);
    ~Manager();
    Manager(Manager&&) noexcept;
    Manager& operator=(Manager&&) noexcept;

    // Every call throws SchedulerError; NoScheduler when bgtaskd cannot be reached.
    std::vector<RequestRecord> listRequests();
    std::vector<RunningTaskRecord> listRunningTasks();
    // Every schedule, by app and identifier.
    std::vector<ScheduleRecord> listSchedules();
    // Newest first.
    std::vector<HistoryRecord> history(const HistoryFilter& filter = {});
    // Launches a pending request now, ignoring its conditions; NotFound when there is none.
    void runNow(const std::string& app, const std::string& identifier);
    // Expires the app's running task now with reason "simulated"; NotFound when none runs.
    void expire(const std::string& app, const std::string& identifier);
    // Forgets when the user opens the app (refresh timed to usage); NotFound for an unknown app.
    void forgetUsage(const std::string& app);
    // Removes a pending request on the app's behalf; NotFound when there is none.
    void cancel(const std::string& app, const std::string& identifier);
    // Why the request has not run, or the state of its task, or its newest finished run;
    // NotFound when the app has none of these.
    Explanation explain(const std::string& app, const std::string& identifier);
    // What would happen over the next hours under a scenario of state changes, with the daemon's
    // own planner on a virtual clock; changes nothing. InvalidArgument ("out-of-range" hours,
    // "bad-scenario" with file:line), NotFound ("no-such-app").
    Simulation simulate(const SimulationRequest& request);
    // Apps with a valid manifest, by app id; and what is wrong in the manifests.
    std::vector<AppRecord> listApps();
    std::vector<ManifestProblem> manifestProblems();
    // The effective policy of an app, or with app "" the every-app switches; NotFound
    // ("no-such-app") for an app without a manifest.
    AppPolicy policy(const std::string& app);
    // Sets the user's switch for an app, or with app "" for every app; returns once bgtaskd has
    // stored it. NotFound ("no-such-app"); NotPermitted ("restricted") when the administrator's
    // configuration decides the setting; InvalidArgument ("unknown-setting") from a daemon that
    // does not know it.
    void setPolicy(const std::string& app, PolicySetting setting, bool enabled);
    // Watches bgtaskd on a connection of its own, subscribed to its task events (Manager1.Subscribe:
    // on the system bus that needs org.bgtaskd.observe, AccessDenied otherwise), and blocks until
    // it stops. Once subscribed it
    // delivers the current system state (Type::SystemState), so that a caller knows no later
    // event can be missed; then every TaskChanged and PolicyChanged signal and every
    // SystemState change, in the order they arrive. Stops when onEvent returns false or when shouldStop() returns true;
    // shouldStop is asked at least every 100 ms, so a flag set by a signal handler stops it
    // promptly. Exceptions thrown by onEvent stop it and propagate. No event loop needed.
    void monitor(const std::function<bool(const ManagerEvent&)>& onEvent,
                 const std::function<bool()>& shouldStop = {});
    std::string version();
    std::optional<TimePoint> startedAt();
    SystemStatus systemState();

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace bgtask
