// SPDX-License-Identifier: LGPL-2.1-or-later
// The what-if simulator (Manager1.Simulate, bgtaskctl simulate): steps a virtual clock over
// [now, now + span] from a snapshot of the daemon (pending requests, running tasks, schedules,
// state, policy, budgets and fairness, usage patterns) through a scenario of state changes
// (Scenario.h), and runs the daemon's own plan() at each moment something changes: a state
// change, an earliest begin date, the end of a hold (spacing, budget, catch-up, usage window),
// a run's end, a deadline. It reports what would happen as a list of events. Owns its copy of
// the snapshot; launches nothing, writes nothing, reads no clock.
//
// Assumptions, where the daemon would learn the answer only by running (documented in
// bgtaskctl(1)):
// - every launch reaches its app at once, which acknowledges it (no launch window);
// - a run lasts its identifier's usual duration (usualDurations(): the median of its recent
//   completed runs; kDefaultUsualDuration, within the kind's time limit, when it has none) and
//   then completes successfully, unless the planner expires it first (a time limit, a lost
//   condition), in which case the app completes at once on Expire;
// - a schedule's next request comes without its random delay (the earliest it may come) and
//   with the jitter of its backoff fixed;
// - the budget day is 24 hours long (a daylight-saving change shifts it by an hour).
#pragma once

#include "Conditions.h"
#include "Fairness.h"
#include "Limits.h"
#include "Policy.h"
#include "Run.h"
#include "Scenario.h"
#include "Schedule.h"
#include "SystemState.h"
#include "TaskRequest.h"
#include "Time.h"

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bgtask::core {

// What the simulator assumes for a run of an identifier that has no completed run to go by.
inline constexpr Duration kDefaultUsualDuration = std::chrono::seconds(10);
// How many of an identifier's newest completed runs give its usual duration.
inline constexpr std::size_t kUsualDurationRuns = 9;
// The longest span one simulation covers, and the most events it reports.
inline constexpr Duration kMaxSimulationSpan = std::chrono::hours(168);
inline constexpr std::size_t kMaxSimulationEvents = 10000;
// The most work it does: at each moment it plans at, every pending request is looked at once
// (for its wait reason); the sum over the moments is bounded, so that a long simulation of many
// requests takes about half a second at most in an optimised build (figures in bench/README.md);
// the daemon runs it on a worker thread, one at a time.
// Reaching it truncates the result.
inline constexpr std::size_t kMaxSimulationWork = 200000;

using TaskKey = std::pair<std::string, std::string>;   // (app, identifier)

// The median run time (start to end) of the newest kUsualDurationRuns completed runs of each
// (app, identifier) in `history` (newest first, as Store::history gives it); runs of other
// outcomes and simulated ones are left out.
std::map<TaskKey, Duration> usualDurations(std::span<const RunRecord> history);

struct SimulationEvent {
    enum class Type {
        State,      // a scenario step changed the state; reason: its settings
        Launch,     // a request launches; duration: how long it is expected to run
        Wait,       // a request's first blocker changed; reason: the explain reason
        End,        // a run ends; outcome "completed" or "expired", reason the expiration's
        Resubmit,   // a schedule submits its next request; reason: from when it may run
    };
    TimePoint at{};
    Type type = Type::State;
    std::string app;                  // empty for State
    std::string identifier;
    std::optional<TaskKind> kind;
    Duration duration{};              // Launch: expected; End: how long it ran
    std::string outcome;              // End
    std::string reason;

    bool operator==(const SimulationEvent&) const = default;
};
std::string_view toString(SimulationEvent::Type type);   // "state" | "launch" | "wait" | "end" | "resubmit"

// The schedule of a pending request or running task, as the daemon keeps it.
struct SimulatedSchedule {
    Schedule rules;
    ScheduleState state;
};

// The daemon's state at the start of the simulation.
struct SimulationInput {
    std::vector<TaskRequest> pending;
    std::vector<RunningTask> running;
    SystemState state;
    GatingPolicy gating;
    PolicyTable policy;
    Scheduling scheduling;
    Limits limits;
    std::map<TaskKey, Duration> usualDurations;   // missing: kDefaultUsualDuration
    std::map<TaskKey, SimulatedSchedule> schedules;
};

struct SimulationOptions {
    TimePoint now{};
    Duration span = std::chrono::hours(24);       // at most kMaxSimulationSpan
    std::vector<ScenarioStep> scenario;           // in time order (parseScenario())
    std::string app;                              // report only this app's events; "" all
    std::size_t maxEvents = kMaxSimulationEvents;
    // Asked at each moment the simulation plans at, when given: true stops it there, truncated
    // (the daemon shutting down while a simulation runs on its worker thread).
    std::function<bool()> cancelled;
};

struct SimulationResult {
    std::vector<SimulationEvent> events;   // in time order
    bool truncated = false;                // stopped at maxEvents (or kMaxSimulationWork)
                                           // before the span's end
    TimePoint end{};                       // the moment the simulation reached
};

SimulationResult simulate(SimulationInput input, const SimulationOptions& options);

} // namespace bgtask::core
