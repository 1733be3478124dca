// SPDX-License-Identifier: LGPL-2.1-or-later
// The launch target of apps on the bus (Apple's model): D-Bus activation of the app's bus name
// (or its Exec command where activation is unavailable), waiting for the app to register the
// identifier, Handler1.Launch, Handler1.Expire, and at the end of the grace period termination
// of a process bgtaskd itself started. Only the connection bgtaskd actually activated counts as
// started by it: the name's owner when StartServiceByName answered SUCCESS (never
// ALREADY_RUNNING), or, after an Exec command, a connection whose process is that command's
// (or a descendant). An app bgtaskd started that never registers is stopped when its launch
// window ends. It serves every manifest no other target claims and is added last. Owns the
// activations in flight and which connections bgtaskd started; borrows the service's launch
// context and the activator, handler client, spawner and terminator.
#pragma once

#include "Activator.h"
#include "HandlerClient.h"
#include "ProcessTerminator.h"

#include "service/LaunchTarget.h"

#include <map>
#include <optional>
#include <set>
#include <string>

namespace bgtask::launch {

class BusAppTarget final : public service::LaunchTarget {
public:
    BusAppTarget(service::LaunchContext context, Activator& activator, HandlerClient& handlers,
                 ProcessTerminator& terminator, Spawner& spawner);

    std::string_view name() const override { return "bus-app"; }
    bool serves(const core::Manifest* app) const override;
    void start(const service::ActiveRun& run) override;
    void expire(const service::ActiveRun& run, const std::string& reason) override;
    void stop(const service::ActiveRun& run) override;
    void launchWindowEnded(const service::ActiveRun& run) override;
    void forget(std::int64_t runId) override { waiting_.erase(runId); }

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
    };

    void activateFor(const core::Manifest& app);
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

    service::LaunchContext context_;
    Activator& activator_;
    HandlerClient& handlers_;
    ProcessTerminator& terminator_;
    Spawner& spawner_;
    std::map<std::int64_t, Waiting> waiting_;
    std::set<std::string> activating_;            // app ids with an activation in flight
    std::set<std::string> awaitingLaunchedOwner_; // bus names we activated whose owner is not seen yet
    std::set<std::string> spawnedFor_;            // bus names whose Exec command bgtaskd spawned
    std::set<std::string> launchedConnections_;   // connections of processes bgtaskd started
};

} // namespace bgtask::launch
