// SPDX-License-Identifier: LGPL-2.1-or-later
// The launch target of manifests that name a systemd unit (Unit=): the unit is the task.
// StartUnit(unit, "replace") on the service manager of the daemon's bus (the system manager for
// the system instance, the user manager for a per-user instance), then the start job followed
// through JobRemoved and the unit's ActiveState and Result through PropertiesChanged; expiration
// is StopUnit, so the unit's KillMode= and TimeoutStopSec= apply, and after the grace period
// systemd keeps stopping it. The outcome is core::unitVerdict; the unit's accounting (CPU, peak
// memory, IO) goes with it. Owns its subscriptions and calls in flight; borrows the connection
// and the service's launch context. No client code is involved.
#pragma once

#include "core/Time.h"
#include "core/UnitOutcome.h"
#include "service/LaunchTarget.h"

#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/IProxy.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

namespace bgtask::launch {

class UnitTarget final : public service::LaunchTarget {
public:
    using Defer = std::function<void(std::function<void()>)>;
    UnitTarget(sdbus::IConnection& connection, service::LaunchContext context,
               core::Duration callTimeout, Defer defer);
    ~UnitTarget() override;

    std::string_view name() const override { return "unit"; }
    bool serves(const core::Manifest* app) const override { return app && app->unit; }
    void start(const service::ActiveRun& run) override;
    void expire(const service::ActiveRun& run, const std::string& reason) override;
    void stop(const service::ActiveRun& run) override;
    void forget(std::int64_t runId) override { runs_.erase(runId); }

private:
    struct UnitRun {
        std::string unit;
        std::string jobPath;    // the start job, once StartUnit answered
        std::string unitPath;   // once GetUnit answered
        core::UnitFacts facts;
        bool ending = false;    // the verdict is in; the accounting is being read
    };

    void startReplied(std::int64_t runId, const sdbus::Error* error, const std::string& jobPath);
    void follow(std::int64_t runId);
    void readState(std::int64_t runId);
    void evaluate(std::int64_t runId);
    void endWithAccounting(std::int64_t runId, core::UnitVerdict verdict);
    void onJobRemoved(sdbus::Message& message);
    void onPropertiesChanged(sdbus::Message& message);
    void onManagerGone(sdbus::Message& message);
    UnitRun* byUnitPath(const std::string& path);

    // One proxy per call on a unit's object, destroyed on the next loop turn after its reply.
    sdbus::IProxy& call(const std::string& path, std::uint64_t& id);
    void endCall(std::uint64_t id);

    sdbus::IConnection& connection_;
    service::LaunchContext context_;
    core::Duration callTimeout_;
    Defer defer_;
    std::unique_ptr<sdbus::IProxy> manager_;
    sdbus::Slot jobMatch_;
    sdbus::Slot propertiesMatch_;
    sdbus::Slot ownerMatch_;
    bool subscribed_ = false;
    std::map<std::int64_t, UnitRun> runs_;
    std::map<std::string, std::string> earlyJobResults_;   // job path → result, heard before StartUnit's reply
    std::map<std::uint64_t, std::unique_ptr<sdbus::IProxy>> calls_;
    std::uint64_t nextCall_ = 1;
};

} // namespace bgtask::launch
