// SPDX-License-Identifier: LGPL-2.1-or-later
// TaskService, the schedules' side: applying what the ScheduleKeeper decides (at start, after
// runs, cancels and manifest reloads) to the request book, and showing the schedules.
#include "TaskService.h"

#include "Log.h"

namespace bgtask::service {
namespace {
auto log() { static auto l = logger("service"); return l; }
} // namespace

void TaskService::putScheduledRequest(core::TaskRequest request)
{
    request.submittedAt = effects_.now();
    request.id = nextRequestId_++;
    const bool replaced = book_.find(request.app, request.identifier) != nullptr;
    book_.upsert(request);
    unmet_.touch(request.app, request.identifier);
    commits_.enqueue([request](store::Store& s) { s.upsertRequest(request); },
                     [this, request, replaced](const core::Error* e) {
                         if (!e)
                             effects_.emitTaskChanged({request.app, request.identifier,
                                                       replaced ? "replaced" : "submitted", request.kind, 0, {},
                                                       std::nullopt});
                     });
    effects_.requestPlan();
}

void TaskService::applyScheduleChanges(ScheduleChanges changes)
{
    for (const auto& [app, identifier] : changes.drop)
        dropRequest(app, identifier, {});
    for (auto& request : changes.submit)
        putScheduledRequest(std::move(request));
}

bool TaskService::isRunning(const std::string& app, const std::string& identifier) const
{
    for (const auto& [id, run] : runs_.active())
        if (run.task.request.app == app && run.task.request.identifier == identifier)
            return true;
    return false;
}

bool TaskService::cancelIdentifier(const std::string& app, const std::string& identifier)
{
    const bool pending = book_.find(app, identifier) != nullptr;
    // The keeper hears of the cancel first: expiring may end the run at once, and its end
    // must already count as skipped.
    auto next = schedules_.cancelled(app, identifier, pending, isRunning(app, identifier), effects_.now());
    expireRunningFor(app, identifier, "app-cancelled");
    if (next)
        putScheduledRequest(std::move(*next));
    else if (pending)
        dropRequest(app, identifier, {});
    return pending;
}

void TaskService::manifestsReloaded()
{
    // First the removed apps' requests, each with its record; then the schedules of the
    // manifests as they now stand (a removed app's schedules have no request left to drop).
    for (const auto& app : manifests_.removedApps())
        dropRemovedApp(app);
    applyScheduleChanges(schedules_.reconcile(
        book_.all(), [this](const std::string& app, const std::string& identifier) { return isRunning(app, identifier); },
        effects_.now()));
    requestPlan();
}

void TaskService::dropRemovedApp(const std::string& app)
{
    std::vector<core::TaskRequest> dropped;
    for (const auto* request : book_.ofApp(app))
        dropped.push_back(*request);
    log()->info("The manifest of {} was removed; dropping its {} pending request(s)", app, dropped.size());
    const auto now = effects_.now();
    const std::string reason = "manifest-removed: the manifest of " + app + " is gone";
    for (const auto& request : dropped) {
        book_.erase(app, request.identifier);
        unmet_.touch(app, request.identifier);
        submitters_.erase({app, request.identifier});
        commits_.enqueue([request, reason, now](store::Store& s) { s.recordDropped(request, reason, now); },
                         [this, request, reason](const core::Error* e) {
                             if (!e)
                                 effects_.emitTaskChanged({request.app, request.identifier, "cancelled", request.kind,
                                                           0, reason, core::Outcome::Dropped});
                         });
        if (request.kind == core::TaskKind::ContinuedProcessing)
            refreshNotification(app, request.identifier);
    }
}

std::optional<ScheduleView> TaskService::scheduleOf(const std::string& app, const std::string& identifier) const
{
    for (const auto& [id, run] : runs_.active())
        if (run.task.request.app == app && run.task.request.identifier == identifier)
            if (!book_.find(app, identifier))
                return schedules_.viewOf(app, identifier, &run.task.request, true);
    return schedules_.viewOf(app, identifier, book_.find(app, identifier), false);
}

std::vector<ScheduleView> TaskService::schedules() const
{
    std::vector<ScheduleView> out;
    for (const auto& [key, record] : schedules_.records())
        if (auto view = scheduleOf(key.first, key.second))
            out.push_back(std::move(*view));
    return out;
}

} // namespace bgtask::service
