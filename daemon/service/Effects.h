// SPDX-License-Identifier: LGPL-2.1-or-later
// Everything the service layer asks of the outside world: the clock, the event loop, task
// objects, signals and notifications. Starting and stopping tasks is the launch targets' part
// (LaunchTarget.h). The daemon's composition root implements it with sd-event and sdbus-c++;
// unit tests can implement it with fakes.
#pragma once

#include "core/Manifest.h"
#include "core/Policy.h"
#include "core/Run.h"
#include "core/Time.h"

#include <optional>
#include <string>
#include <string_view>

namespace bgtask::service {

// Borrowed texts: an event is published while the emitter's request or run is at hand.
struct TaskEvent {
    std::string_view app;
    std::string_view identifier;
    std::string_view event;      // submitted, replaced, cancelled, launching, running, expiring, ended
    core::TaskKind kind = core::TaskKind::AppRefresh;
    std::int64_t runId = 0;      // 0 for request events
    std::string reason;
    std::optional<core::Outcome> outcome;
};

// What a continued-processing task shows on its Task1 object (properties CompletedUnitCount,
// TotalUnitCount, Title, Subtitle, StallDeadline).
struct TaskProgress {
    std::int64_t completed = 0;
    std::int64_t total = 0;
    std::string title;
    std::string subtitle;
    std::optional<core::TimePoint> stallDeadline;

    bool operator==(const TaskProgress&) const = default;
};

// The desktop notification of one continued-processing identifier of an app: one per
// (app, identifier), replaced in place while it lives, whether the task waits or runs.
struct TaskNotification {
    std::string app;             // app id; also the desktop-entry hint
    std::string identifier;
    std::string title;
    std::string subtitle;
    std::optional<int> percent;  // 0–100 while running with a known total; else nullopt
    bool queued = false;         // waiting for a continued-processing slot

    bool operator==(const TaskNotification&) const = default;
};

class Effects {
public:
    virtual ~Effects() = default;

    virtual core::TimePoint now() = 0;
    // Ask for TaskService::planNow() soon (coalesced; after the messages at hand).
    virtual void requestPlan() = 0;
    // Arm the one scheduling timer (nullopt: disarm).
    virtual void armWakeup(std::optional<core::TimePoint> at) = 0;

    // Export / remove the org.bgtaskd.Task1 object of a run.
    virtual void publishTask(const core::RunningTask& run) = 0;
    virtual void withdrawTask(std::int64_t runId) = 0;
    virtual void emitTaskChanged(const TaskEvent& event) = 0;
    // New progress or titles of a published continued-processing task (PropertiesChanged).
    virtual void updateTask(std::int64_t runId, const TaskProgress& progress) = 0;

    // Show or replace the notification of (app, identifier); close it.
    virtual void showNotification(const TaskNotification& notification) = 0;
    virtual void closeNotification(const std::string& app, const std::string& identifier) = 0;

    // Manager1.PolicyChanged for an app, or "" for the every-app switches.
    virtual void emitPolicyChanged(const std::string& app) = 0;
};

} // namespace bgtask::service
