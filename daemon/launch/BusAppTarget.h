// SPDX-License-Identifier: LGPL-2.1-or-later
// The launch target of apps on the bus (Apple's model): D-Bus activation of the app's bus name
// (or its Exec command where activation is unavailable), waiting for the app to register the
// identifier, Handler1.Launch, Handler1.Expire, and at the end of the grace period termination
// of a process bgtaskd itself started. Only the connection bgtaskd actually activated counts as
// started by it: the name's owner when StartServiceByName answered SUCCESS (never
// ALREADY_RUNNING), or, after an Exec command, a connection whose process is that command's
// (or a descendant), or, for an Exec command in a transient unit, a connection whose process
// systemd places in that unit (GetUnitByPID, asked once when the name appears). An app
// bgtaskd started that never registers is stopped when its launch window ends. A task in a
// transient unit is stopped with StopUnit (never a signal from bgtaskd), and its run records
// the unit's accounting when the app completes or is stopped, or systemd's result when the
// unit fails before the app registered; a run handed to an app already running in the unit
// records what the unit used from the run's start (core::usageSince). A run ends the same way
// whether its unit's end or its connection's is heard first. It serves every manifest no other target claims and is
// added last. Owns the activations in flight and which connections bgtaskd started; borrows the
// service's launch context and the activator, handler client, spawner, terminator and the
// transient units' follower.
#pragma once

#include "Activator.h"
#include "HandlerClient.h"
#include "ProcessTerminator.h"
#include "UnitFollower.h"

#include "service/LaunchTarget.h"

#include <map>
#include <optional>
#include <set>
#include <string>

namespace bgtask::launch {

class BusAppTarget final : public service::LaunchTarget {
public:
    // transientUnits: the follower the activator starts Exec commands' units in (nullptr: none).
    BusAppTarget(service::LaunchContext context, Activator& activator, HandlerClient& handlers,
                 ProcessTerminator& terminator, Spawner& spawner, UnitFollower* transientUnits);

    std::string_view name() const override { return "bus-app"; }
    bool serves(const core::Manifest* app) const override;
    void start(const service::ActiveRun& run) override;
    void expire(const service::ActiveRun& run, const std::string& reason) override;
    void stop(const service::ActiveRun& run) override;
    void launchWindowEnded(const service::ActiveRun& run) override;
    void measure(const service::ActiveRun& run, std::function<void(core::RunUsage)> done) override;
    bool followsAfterConnectionClosed(const service::ActiveRun& run) override;
    void forget(std::int64_t runId) override
    {
        waiting_.erase(runId);
        unitRuns_.erase(runId);
        delivered_.erase(runId);
        baselines_.erase(runId);
    }

    void registered(const std::string& connection, const std::string& app,
                    const std::vector<std::string>& identifiers) override;
    void busNameOwnerChanged(const std::string& busName, const std::string& newOwner) override;
    void connectionClosed(const std::string& connection) override;

private:
    // A run whose app is being brought up and has not registered its identifier yet.
    struct Waiting {
        std::string app;
        std::string identifier;
        bool reactivated = false;   // activated again after the app left before registering
        bool startedByUs = false;   // an activation for it started the app
        int spawnedPid = 0;         // the Exec command bgtaskd spawned for it
        std::int64_t unitKey = 0;   // the transient unit it was started in
        int activations = 0;        // activations named after this run (each unit its own name)
    };
    // A transient unit bgtaskd started for an app whose connection has not been seen in it yet.
    struct StartedUnit {
        std::int64_t key = 0;
        std::string unit;
    };

    void activateFor(const core::Manifest& app, std::int64_t runId);
    // The connection that may take the app's task now: the current owner of the app's bus
    // name, if it registered the identifier (an app acts only while it owns its name).
    std::optional<std::string> handlerFor(const std::string& app, const std::string& identifier) const;
    void deliver(std::int64_t runId, const std::string& connection);
    // A connection seen for the first time as an app's: its process is pinned (ProcessTerminator),
    // and, for a name bgtaskd started through Exec, it counts as started by bgtaskd only if
    // that process is the command's.
    void seen(const std::string& busName, const std::string& connection);
    // Ends what bgtaskd started for an app that did not come up (never registered).
    void stopStarted(const Waiting& waiting);
    // Whether the connection's process (pid) is in the transient unit bgtaskd started for busName:
    // GetUnitByPID, compared with the unit's path (GetUnit only when the follower has none yet).
    void checkUnit(const std::string& busName, const std::string& connection, int pid, StartedUnit started);
    void unitChecked(const std::string& busName, const std::string& connection, int pid, const StartedUnit& started,
                     bool inUnit);
    // The unit's counters now, where the charge of a run that joined a running unit starts.
    void readBaseline(std::int64_t runId, std::int64_t key);
    // What a run is charged of its unit's accounting: since its baseline, if it has one.
    core::RunUsage charged(std::int64_t runId, const core::RunUsage& usage) const;
    // A run whose app ran in a unit that ended: failed with systemd's result (oom-kill, signal,
    // …), or app-exited when the process ended cleanly.
    void endedInUnit(std::int64_t runId, const core::UnitVerdict& verdict, core::RunUsage usage);
    // The transient unit ended: the runs still waiting for the app in it end with systemd's
    // verdict unless the unit succeeded (they wait for their launch window then); the runs
    // whose connection closed in it end failed with systemd's result (oom-kill, signal, …),
    // or app-exited when the process ended cleanly, both with the unit's accounting.
    void unitEnded(std::int64_t key, const core::UnitVerdict& verdict, const core::RunUsage& usage);
    // A transient unit's run whose grace period is over: StopUnit, and the run ends with the
    // accounting read just before.
    void stopUnit(const service::ActiveRun& run, std::int64_t key);

    service::LaunchContext context_;
    Activator& activator_;
    HandlerClient& handlers_;
    ProcessTerminator& terminator_;
    Spawner& spawner_;
    UnitFollower* units_;
    std::map<std::int64_t, Waiting> waiting_;
    std::map<std::string, StartedUnit> unitFor_;                // bus name → its Exec command's unit
    std::map<std::string, std::int64_t> connectionUnits_;       // connection → the transient unit it runs in
    std::map<std::int64_t, std::int64_t> unitRuns_;              // run whose connection closed → its unit
    std::map<std::int64_t, std::int64_t> delivered_;   // run handed to a connection → the unit started for it (or 0)
    // Runs that joined an app already running in a transient unit: the unit's counters at their
    // start (nullopt while being read). Runs the unit was started for are charged from its start.
    std::map<std::int64_t, std::optional<core::RunUsage>> baselines_;
    std::set<std::string> activating_;            // app ids with an activation in flight
    std::set<std::string> awaitingLaunchedOwner_; // bus names we activated whose owner is not seen yet
    std::set<std::string> spawnedFor_;            // bus names whose Exec command bgtaskd spawned
    std::set<std::string> launchedConnections_;   // connections of processes bgtaskd started
};

} // namespace bgtask::launch
