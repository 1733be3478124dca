// SPDX-License-Identifier: LGPL-2.1-or-later
// The launch-target port: one way to run an app's tasks (an app on the bus with Handler1, which
// bgtaskd activates or starts from its Exec command, in a transient unit or as its own child;
// a systemd unit that is the task). The run controller owns the runs and their states; a target
// only starts, expires and stops what it is given and reports back through RunReports. A target
// owns whatever it needs to follow its runs (calls in flight, subscriptions, pidfds) and borrows
// what LaunchContext lends it. The service never asks what kind of target a run has: adding a
// target is a new class in daemon/launch/ and one line in the composition root.
#pragma once

#include "core/Manifest.h"
#include "core/Run.h"
#include "core/RunUsage.h"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace bgtask::service {

struct ActiveRun;
class HandlerRegistry;
class ManifestRegistry;
class NameOwnership;

// What a target tells the run controller about the runs it started. Every call names a run
// by id and is ignored when that run has already ended, so a late reply needs no guard.
class RunReports {
public:
    virtual ~RunReports() = default;

    // The task is handed over: to `connection` (an app's bus connection, whose owner may then
    // call SetTaskCompleted and report progress), or to "" when nothing on the bus answers for
    // it (a unit). The time limit starts now. Returns the run as it now stands (its deadline
    // set), or nullptr when it has ended.
    virtual const ActiveRun* delivered(std::int64_t runId, const std::string& connection,
                                       bool launchedByDaemon) = 0;
    // The task runs (Handler1.Launch answered, the unit's start job queued).
    virtual void running(std::int64_t runId) = 0;
    // The run ended, with what the target measured about it (nothing, for an app process).
    virtual void ended(std::int64_t runId, core::Outcome outcome, std::string reason,
                       core::RunUsage usage = {}) = 0;
    // The launch did not reach the app (core/Reachability.h): nothing ran, so the run is
    // forgotten and its request goes back to pending, blocked "app-unreachable" until the app
    // registers or the retry comes. `why` is "sub-reason: text".
    virtual void unreachable(std::int64_t runId, std::string why) = 0;
    // After the grace period the target goes on stopping the task by its own means (systemd's
    // TimeoutStopSec= for a unit) and will report ended(): the run stays expiring without a
    // grace deadline.
    virtual void stopDelegated(std::int64_t runId) = 0;
    // The live run, or nullptr once it has ended.
    virtual const ActiveRun* find(std::int64_t runId) const = 0;
};

// What every target may borrow from the service: the reports sink and the service's views of
// manifests, registered handlers and bus-name owners.
struct LaunchContext {
    RunReports& reports;
    const ManifestRegistry& manifests;
    const HandlerRegistry& handlers;
    const NameOwnership& names;
};

class LaunchTarget {
public:
    virtual ~LaunchTarget() = default;

    // For logs: "bus-app", "unit", …
    virtual std::string_view name() const = 0;
    // Whether this target runs the tasks of this manifest. The service asks its targets in the
    // order the composition root added them; the last one added also takes runs whose app
    // has no manifest any more (app == nullptr) and must report them ended.
    virtual bool serves(const core::Manifest* app) const = 0;

    // Bring the task up; report delivered()/running() or ended(LaunchFailed, "sub-reason: …").
    virtual void start(const ActiveRun& run) = 0;
    // The run is now expiring for `reason`: ask the task to wrap up (Handler1.Expire, StopUnit).
    // Also called at daemon shutdown with "daemon-shutdown", after which no report is heard.
    virtual void expire(const ActiveRun& run, const std::string& reason) = 0;
    // The grace period is over: end the task by force, or delegate (stopDelegated()).
    virtual void stop(const ActiveRun& run) = 0;
    // The launch window ended before the task was handed over. The target may report
    // unreachable() (the app it did not start never registered) and stop what it started;
    // a run still active afterwards ends launch-failed, "never-registered".
    virtual void launchWindowEnded(const ActiveRun& /*run*/) {}
    // The task said it is done (SetTaskCompleted): hand `done` what the target can measure of
    // the run now (a transient unit's accounting so far), at once or after a call with a
    // timeout; its outcome is recorded with that. Nothing, for a process it cannot account.
    virtual void measure(const ActiveRun& /*run*/, std::function<void(core::RunUsage)> done) { done({}); }
    // The run's connection closed before the task completed. True when the target goes on
    // following the task (its transient unit will say how it ended) and reports ended() itself;
    // false (the default): the run ends app-exited now.
    virtual bool followsAfterConnectionClosed(const ActiveRun& /*run*/) { return false; }
    // The run ended (whoever ended it): drop what the target kept about it.
    virtual void forget(std::int64_t runId) = 0;

    // Bus events, for targets whose tasks run in an app's own connection; others ignore them.
    virtual void registered(const std::string& /*connection*/, const std::string& /*app*/,
                            const std::vector<std::string>& /*identifiers*/) {}
    virtual void busNameOwnerChanged(const std::string& /*busName*/, const std::string& /*newOwner*/) {}
    virtual void connectionClosed(const std::string& /*connection*/) {}
};

} // namespace bgtask::service
