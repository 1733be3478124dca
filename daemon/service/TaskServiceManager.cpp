// SPDX-License-Identifier: LGPL-2.1-or-later
// TaskService, Manager1's side: listing, explaining, apps with their policy and budgets,
// simulation, cancelling on an app's behalf and the user's policy switches.
#include "TaskService.h"

#include "Log.h"

#include "core/Utf8.h"

#include <algorithm>

namespace bgtask::service {
namespace {

auto log() { static auto l = logger("service"); return l; }

// What would unblock a condition, in plain words (bgtaskctl explain prints it).
std::string remedyFor(const std::string& condition)
{
    static const std::map<std::string, std::string> remedies{
        {"previous-run-active", "wait for the running task of the same identifier to end"},
        {"earliest-begin-date", "wait until the earliest begin date (or bgtaskctl run it now)"},
        {core::kConditionNetwork, "connect to a network with full connectivity"},
        {core::kConditionNetworkUnmetered, "switch to an unmetered connection"},
        {core::kConditionExternalPower, "plug in the charger"},
        {core::kConditionBatteryNotLow, "charge the battery"},
        {core::kConditionLowBattery, "charge the battery"},
        {core::kConditionUserIdle, "leave the computer idle"},
        {core::kConditionLowPowerMode, "turn off power-saver mode"},
        {core::kConditionDataProtection, "unlock the session"},
        {core::kConditionGpu, "make a GPU render node available"},
        {core::kBlockerRefreshDisabled, "turn Background App Refresh on (bgtaskctl policy APP refresh on)"},
        {core::kBlockerRefreshRestricted, "ask the administrator: bgtaskd.conf switches refresh off"},
        {core::kBlockerContinuedDisabled, "turn continued processing on (bgtaskctl policy APP continued on)"},
        {core::kBlockerContinuedRestricted, "ask the administrator: bgtaskd.conf switches continued processing off"},
        {core::kBlockerRefreshSpacing, "wait: one app's refresh launches are spaced apart"},
        {core::kBlockerDailyBudget, "wait for the daily budget to reset (or bgtaskctl run it now)"},
        {core::kBlockerConcurrencyLimit, "wait for a running background task to end"},
        {core::kBlockerContinuedQueue, "wait for a running continued-processing task to end"},
        {core::kBlockerUsageWindow, "wait for the hour before the app's usual use (or bgtaskctl run it now; "
                                    "bgtaskctl forget APP)"},
        {core::kBlockerCatchUp, "wait: launches are spread out after many fell due at once (or bgtaskctl run it now)"},
    };
    const auto it = remedies.find(condition);
    return it == remedies.end() ? "wait until the condition is met" : it->second;
}

} // namespace

bool TaskService::actsFor(const std::string& caller, const std::string& app) const
{
    const auto apps = appsOf(caller);
    return std::any_of(apps.begin(), apps.end(), [&](const core::Manifest* m) { return m->id == app; });
}

std::vector<RequestView> TaskService::listRequests() const
{
    return evaluateAll(effects_.now());
}

Explanation TaskService::explain(const std::string& app, const std::string& identifier)
{
    Explanation out;
    out.now = effects_.now();
    for (auto& view : evaluateAll(out.now)) {
        if (view.request.app != app || view.request.identifier != identifier)
            continue;
        for (const auto& u : view.readiness.unmet) {
            out.blockers.push_back({u.condition, u.reason, remedyFor(u.condition), sinceOf(view.request, u.condition)});
        }
        out.schedule = view.schedule;
        out.pending = std::move(view);
        return out;
    }
    for (const auto& [id, run] : runs_.active()) {
        if (run.task.request.app == app && run.task.request.identifier == identifier) {
            out.running = run;
            out.schedule = scheduleOf(app, identifier);
            return out;
        }
    }
    store::HistoryFilter filter;
    filter.app = app;
    filter.identifier = identifier;
    filter.limit = 1;
    commits_.flush();
    auto runs = store_.history(filter);
    if (runs.empty())
        throw core::Error(core::ErrorCode::NotFound, "no-such-request",
                          "app " + core::excerpt(app) + " has no request, task or finished run " +
                              core::excerpt(identifier));
    out.lastRun = std::move(runs.front());
    return out;
}

std::vector<AppView> TaskService::apps() const
{
    const auto now = effects_.now();
    const auto& scheduling = usage_.scheduling();
    const auto allSchedules = schedules();
    std::vector<AppView> out;
    for (const auto& m : manifests_.all()) {
        AppView view;
        view.manifest = &m;
        view.pending = book_.ofApp(m.id).size();
        view.running = static_cast<std::size_t>(std::count_if(
            runs_.active().begin(), runs_.active().end(),
            [&](const auto& entry) { return entry.second.task.request.app == m.id; }));
        view.policy = policyView(m.id);
        if (const auto* usage = usage_.usageOf(m.id))
            view.usage = *usage;
        view.budgetUsed = view.usage.charged(scheduling.limits);
        view.budgetLimit = scheduling.limits.dailyBudget;
        view.budgetResetsAt = scheduling.budgetResetsAt;
        if (view.usage.lastRefreshLaunch) {
            const auto next = *view.usage.lastRefreshLaunch + scheduling.limits.refreshSpacing;
            if (next > now)
                view.nextRefreshAt = next;
        }
        for (const auto& schedule : allSchedules)
            if (schedule.record.app == m.id)
                view.schedules.push_back(schedule);
        if (const auto* pattern = usage_.patternOf(m.id)) {
            view.learnedOpens = pattern->opens;
            view.nextUse = core::predictNextUse(*pattern, scheduling.limits.usage, now, scheduling.utcOffset);
        }
        out.push_back(std::move(view));
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.manifest->id < b.manifest->id; });
    return out;
}

std::vector<core::RunRecord> TaskService::history(const store::HistoryFilter& filter)
{
    commits_.flush();   // outcomes recorded this turn belong in the answer
    return store_.history(filter);
}

void TaskService::runNow(const std::string& app, const std::string& identifier, Done done)
{
    const auto* request = book_.find(app, identifier);
    if (!request) {
        core::Error e(core::ErrorCode::NotFound, "no-such-request",
                      "app " + app + " has no pending request " + identifier);
        done(&e);
        return;
    }
    auto copy = *request;
    book_.erase(app, identifier);
    submitters_.erase({app, identifier});
    if (copy.kind == core::TaskKind::ContinuedProcessing)
        refreshContinued();
    try {
        runs_.launch({copy}, true);
    } catch (const core::Error& e) {
        reloadBook();
        done(&e);
        return;
    }
    done(nullptr);
}

void TaskService::expireNow(const std::string& app, const std::string& identifier)
{
    for (const auto& [id, run] : runs_.active()) {
        if (run.task.request.app != app || run.task.request.identifier != identifier)
            continue;
        if (!run.delivered)
            throw core::Error(core::ErrorCode::NotFound, "no-such-task",
                              core::excerpt(identifier) + " of " + core::excerpt(app) + " is still being launched");
        runs_.expire(id, "simulated");
        return;
    }
    throw core::Error(core::ErrorCode::NotFound, "no-such-task",
                      "app " + core::excerpt(app) + " has no running task " + core::excerpt(identifier));
}

void TaskService::cancelFor(const std::string& app, const std::string& identifier, Done done)
{
    if (!book_.find(app, identifier) && !isRunning(app, identifier)) {
        core::Error e(core::ErrorCode::NotFound, "no-such-request",
                      "app " + core::excerpt(app) + " has no pending request or running task " +
                          core::excerpt(identifier));
        done(&e);
        return;
    }
    cancelIdentifier(app, identifier);
    commits_.enqueue([](store::Store&) {}, std::move(done));
}

void TaskService::forgetUsage(const std::string& app, Done done)
{
    if (!manifests_.byId(app)) {
        core::Error e(core::ErrorCode::NotFound, "no-such-app", "no app " + core::excerpt(app) + " has a manifest");
        done(&e);
        return;
    }
    if (usage_.forget(app)) {
        log()->info("Forgot when the user opens {}", app);
        unmet_.invalidateAll();
        effects_.requestPlan();
    }
    commits_.enqueue([app](store::Store& s) { s.deleteUsagePattern(app); }, std::move(done));
}

PolicyView TaskService::policyOf(const std::string& app) const
{
    if (!app.empty() && !manifests_.byId(app))
        throw core::Error(core::ErrorCode::NotFound, "no-such-app", "no app " + core::excerpt(app) + " has a manifest");
    return policyView(app);
}

PolicyView TaskService::policyView(const std::string& app) const
{
    const auto* user = &policyTable_.userGlobal;
    if (!app.empty()) {
        const auto it = policyTable_.user.find(app);
        static const core::Switches kNone;
        user = it == policyTable_.user.end() ? &kNone : &it->second;
    }
    return {policyTable_.decide(app, core::PolicySetting::Refresh),
            policyTable_.decide(app, core::PolicySetting::Continued), user->refresh.value_or(true),
            user->continued.value_or(true)};
}

std::map<std::string, std::pair<core::PolicyStatus, core::PolicyStatus>> TaskService::policyStatuses() const
{
    std::map<std::string, std::pair<core::PolicyStatus, core::PolicyStatus>> out;
    for (const auto& m : manifests_.all())
        out[m.id] = {policyTable_.decide(m.id, core::PolicySetting::Refresh).status,
                     policyTable_.decide(m.id, core::PolicySetting::Continued).status};
    return out;
}

// The administrator's word is final at the level it was given and below: a switch set in the
// config file for this app, or for every app, cannot be changed by the user.
void TaskService::applyUserPolicy(const std::string& app, core::PolicySetting setting, bool enabled)
{
    const auto before = policyStatuses();
    auto& switches = app.empty() ? policyTable_.userGlobal : policyTable_.user[app];
    switches[setting] = enabled;
    log()->info("Policy: {} for {} switched {} by the user", toString(setting), app.empty() ? "every app" : app,
                enabled ? "on" : "off");
    unmet_.invalidateAll();
    effects_.emitPolicyChanged(app);
    if (app.empty())
        for (const auto& [id, status] : policyStatuses())
            if (before.at(id) != status)
                effects_.emitPolicyChanged(id);
    effects_.requestPlan();
}

void TaskService::setPolicy(const std::string& app, const std::string& settingName, bool enabled, Done done)
{
    try {
        const auto setting = core::parsePolicySetting(settingName);
        if (!setting)
            throw core::Error(core::ErrorCode::InvalidArgument, "unknown-setting",
                              "'" + core::excerpt(settingName) + "' is not a policy setting (refresh or continued)");
        policyOf(app);   // NotFound for an unknown app
        const auto adminApp = policyTable_.admin.find(app);
        if (policyTable_.adminGlobal[*setting] ||
            (!app.empty() && adminApp != policyTable_.admin.end() && adminApp->second[*setting]))
            throw core::Error(core::ErrorCode::NotPermitted, "restricted",
                              std::string(toString(*setting)) + " for " + (app.empty() ? "every app" : app) +
                                  " is set by the administrator's configuration");
        // The switch takes effect once it is stored: a failed commit changes nothing.
        commits_.enqueue([app, setting = *setting, enabled](store::Store& s) { s.setUserPolicy(app, setting, enabled); },
                         [this, app, setting = *setting, enabled, done = std::move(done)](const core::Error* e) {
                             if (!e)
                                 applyUserPolicy(app, setting, enabled);
                             done(e);
                         });
    } catch (const core::Error& e) {
        done(&e);
    }
}

} // namespace bgtask::service
