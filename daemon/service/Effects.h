// SPDX-License-Identifier: LGPL-2.1-or-later
// Everything the service layer asks of the outside world: the clock, the event loop, D-Bus
// activation, calls into apps, task objects, signals and processes. The daemon's composition
// root implements it with sd-event and sdbus-c++; unit tests can implement it with fakes.
#pragma once

#include "core/Manifest.h"
#include "core/Run.h"
#include "core/Time.h"

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace bgtask::service {

struct ActivationResult {
    bool ok = false;
    bool startedByUs = false;   // the app was not running and was started for this activation
    std::string error;          // "sub-reason: text" when !ok
};

struct TaskEvent {
    std::string app;
    std::string identifier;
    std::string_view event;      // submitted, replaced, cancelled, launching, running, expiring, ended
    core::TaskKind kind = core::TaskKind::AppRefresh;
    std::int64_t runId = 0;      // 0 for request events
    std::string reason;
    std::optional<core::Outcome> outcome;
};

class Effects {
public:
    virtual ~Effects() = default;

    virtual core::TimePoint now() = 0;
    // Ask for TaskService::planNow() soon (coalesced; after the messages at hand).
    virtual void requestPlan() = 0;
    // Arm the one scheduling timer (nullopt: disarm).
    virtual void armWakeup(std::optional<core::TimePoint> at) = 0;

    // Bring the app up: bus activation of its bus name, else its Exec command.
    virtual void activate(const core::Manifest& app, std::function<void(ActivationResult)> done) = 0;
    // Handler1.Launch on the connection; done(error) with nullopt on success.
    virtual void callLaunch(const std::string& connection, const core::RunningTask& run,
                            std::function<void(std::optional<std::string>)> done) = 0;
    virtual void callExpire(const std::string& connection, const core::RunningTask& run,
                            const std::string& reason) = 0;
    // Terminate the process behind a connection (SIGTERM, then SIGKILL if it lingers).
    virtual void terminateConnectionProcess(const std::string& connection) = 0;

    // Export / remove the org.bgtaskd.Task1 object of a run.
    virtual void publishTask(const core::RunningTask& run) = 0;
    virtual void withdrawTask(std::int64_t runId) = 0;
    virtual void emitTaskChanged(const TaskEvent& event) = 0;
};

} // namespace bgtask::service
