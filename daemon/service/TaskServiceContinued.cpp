// SPDX-License-Identifier: LGPL-2.1-or-later
// TaskService, continued processing and the app's view of what it may use: progress and
// titles, the one notification per identifier, the submitting process's lifetime, supported
// resources and the Background App Refresh status. Budgets hear of every run's end here too.
#include "TaskService.h"

#include "Log.h"

#include <algorithm>

namespace bgtask::service {
namespace {

auto log() { static auto l = logger("service"); return l; }

std::optional<int> percentOf(const TaskProgress& progress)
{
    if (progress.total <= 0)
        return std::nullopt;
    const auto percent = progress.completed * 100 / progress.total;
    return static_cast<int>(std::clamp<std::int64_t>(percent, 0, 100));
}

} // namespace

void TaskService::updateProgress(const std::string& caller, std::int64_t runId, std::int64_t completed,
                                 std::int64_t total)
{
    checkOwnsTaskApp(caller, runId);
    runs_.updateProgress(caller, runId, completed, total);
}

void TaskService::updateTitle(const std::string& caller, std::int64_t runId, const std::string& title,
                              const std::string& subtitle)
{
    checkOwnsTaskApp(caller, runId);
    runs_.updateTitle(caller, runId, title, subtitle);
}

// While a run of the identifier is active its notification shows the run; otherwise a waiting
// request shows that it waits; with neither, the notification goes. Resubmitting therefore
// replaces the one notification rather than adding a second (Apple's UI duplicated it).
void TaskService::refreshNotification(const std::string& app, const std::string& identifier)
{
    const auto active = std::find_if(runs_.active().begin(), runs_.active().end(), [&](const auto& entry) {
        return entry.second.task.request.app == app && entry.second.task.request.identifier == identifier;
    });
    const bool running = active != runs_.active().end();
    if (running && active->second.delivered) {
        const auto& p = active->second.progress;
        effects_.showNotification({app, identifier, p.title, p.subtitle, percentOf(p), false});
        return;
    }
    if (const auto* r = book_.find(app, identifier); r && r->kind == core::TaskKind::ContinuedProcessing) {
        effects_.showNotification({app, identifier, r->options.title.value_or(""),
                                   r->options.subtitle.value_or(""), std::nullopt, true});
        return;
    }
    if (!running)   // a launching run keeps the request's notification until Launch is called
        effects_.closeNotification(app, identifier);
}

void TaskService::notificationCancelled(const std::string& app, const std::string& identifier)
{
    log()->info("The user cancelled {} of {} from its notification", identifier, app);
    if (expireRunningFor(app, identifier, "user-cancelled"))
        return;
    if (const auto* r = book_.find(app, identifier); r && r->kind == core::TaskKind::ContinuedProcessing)
        dropRequest(app, identifier, {});
}

void TaskService::onRunDelivered(const ActiveRun& run)
{
    if (run.task.request.kind == core::TaskKind::ContinuedProcessing)
        refreshNotification(run.task.request.app, run.task.request.identifier);
}

void TaskService::onRunEnded(const ActiveRun& run, core::Outcome outcome, core::TimePoint at,
                             const core::RunUsage& usage)
{
    usage_.ended(run.task, outcome, at, usage.cpuNsec);
    const auto& request = run.task.request;
    refreshApp(request.app);   // its budget
    if (request.kind == core::TaskKind::ContinuedProcessing)
        refreshContinued();     // the queue
    if (request.kind == core::TaskKind::ContinuedProcessing)
        refreshNotification(request.app, request.identifier);
    else if (auto next = schedules_.runEnded(request, outcome, at, book_.find(request.app, request.identifier)))
        putScheduledRequest(std::move(*next));   // periodic work goes on even if the app forgets
}

// Apple: removing the app from the app switcher cancels its queued continued requests. Here the
// submitting process going away is that moment (its running tasks end as cancelled in
// RunController::connectionClosed).
void TaskService::connectionGone(const std::string& connection)
{
    std::vector<std::pair<std::string, std::string>> orphaned;
    for (const auto& [key, submitter] : submitters_)
        if (submitter == connection)
            orphaned.push_back(key);
    for (const auto& [app, identifier] : orphaned) {
        log()->info("Dropping continued-processing request {} of {}: its process went away", identifier, app);
        dropRequest(app, identifier, {});
        submitters_.erase({app, identifier});
    }
}

std::pair<std::vector<std::string>, std::map<std::string, std::string>>
TaskService::supportedResources(const std::string& caller) const
{
    const auto apps = appsOf(caller);
    if (apps.empty())
        throw core::Error(core::ErrorCode::AccessDenied, "not-an-app",
                          "connection " + caller + " owns the bus name of no app with a bgtaskd manifest");
    const bool entitled = std::any_of(apps.begin(), apps.end(),
                                      [](const auto* m) { return m->hasEntitlement(core::Entitlement::Gpu); });
    std::pair<std::vector<std::string>, std::map<std::string, std::string>> out;
    if (!entitled)
        out.second[core::kResourceGpu] = "entitlement-missing";
    else if (state_.gpuAvailable == true)
        out.first.push_back(core::kResourceGpu);
    else
        out.second[core::kResourceGpu] = state_.gpuAvailable ? "no-render-node" : "state-unknown";
    return out;
}

core::PolicyStatus TaskService::refreshStatus(const std::string& caller) const
{
    const auto apps = appsOf(caller);
    if (apps.empty())
        throw core::Error(core::ErrorCode::AccessDenied, "not-an-app",
                          "connection " + caller + " owns the bus name of no app with a bgtaskd manifest");
    return policyTable_.decide(apps.front()->id, core::PolicySetting::Refresh).status;
}

} // namespace bgtask::service
