// SPDX-License-Identifier: LGPL-2.1-or-later
// The launch target of manifests that name a systemd unit (Unit=): the unit is the task.
// StartUnit(unit, "replace") on the service manager of the daemon's bus (the system manager for
// the system instance, the user manager for a per-user instance), then the start job followed
// through JobRemoved and the unit's ActiveState and Result through PropertiesChanged; expiration
// is StopUnit, so the unit's KillMode= and TimeoutStopSec= apply, and after the grace period
// systemd keeps stopping it. The outcome is core::unitVerdict; the unit's accounting (CPU, peak
// memory, IO) goes with it. Owns its subscriptions and calls in flight; borrows the connection
// and the service's launch context. No client code is involved. The following itself is
// UnitFollower's, shared with the transient units of Exec= apps.
#pragma once

#include "UnitFollower.h"

#include "core/Time.h"
#include "service/LaunchTarget.h"

#include <sdbus-c++/IConnection.h>

#include <string>

namespace bgtask::launch {

class UnitTarget final : public service::LaunchTarget {
public:
    using Defer = UnitFollower::Defer;
    UnitTarget(sdbus::IConnection& connection, service::LaunchContext context,
               core::Duration callTimeout, Defer defer);
    ~UnitTarget() override;

    std::string_view name() const override { return "unit"; }
    bool serves(const core::Manifest* app) const override { return app && app->unit; }
    void start(const service::ActiveRun& run) override;
    void expire(const service::ActiveRun& run, const std::string& reason) override;
    void stop(const service::ActiveRun& run) override;
    void forget(std::int64_t runId) override { units_.forget(runId); }

private:
    void startReplied(std::int64_t runId, const std::string& unit, const sdbus::Error* error,
                      const std::string& jobPath);

    service::LaunchContext context_;
    UnitFollower units_;   // followed under the run's id
};

} // namespace bgtask::launch
