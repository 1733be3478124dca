// SPDX-License-Identifier: LGPL-2.1-or-later
#include "TaskService.h"

#include "Log.h"

#include "core/ManifestParser.h"
#include "core/Validation.h"

#include <algorithm>
#include <set>

namespace bgtask::service {
namespace {

auto log() { static auto l = logger("service"); return l; }

bool isUniqueName(const std::string& name) { return !name.empty() && name.front() == ':'; }

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
    };
    const auto it = remedies.find(condition);
    return it == remedies.end() ? "wait until the condition is met" : it->second;
}

} // namespace

TaskService::TaskService(store::Store& store, ManifestRegistry& manifests, core::Limits limits,
                         Effects& effects, std::function<void()> scheduleFlush)
    : store_(store), manifests_(manifests), limits_(limits), effects_(effects),
      commits_(store, std::move(scheduleFlush), [this] { reloadBook(); }),
      runs_(store, commits_, manifests, handlers_, names_, limits_, effects)
{
}

void TaskService::start()
{
    const auto now = effects_.now();
    auto pending = store_.loadRequests();
    const auto unfinished = store_.loadUnfinishedRuns();
    if (!unfinished.empty()) {
        // The documented rule: a run the previous process left unfinished is recorded as
        // interrupted and its request goes back to pending (original options and submission
        // time) unless the app has submitted a new request with the same identifier since.
        std::set<std::pair<std::string, std::string>> present;
        for (const auto& r : pending)
            present.emplace(r.app, r.identifier);
        store::Store::Transaction txn(store_);
        for (const auto& run : unfinished) {
            const bool exists = !present.emplace(run.request.app, run.request.identifier).second;
            RunController::requeueInterrupted(store_, run, "daemon-restart", now, exists);
            log()->warn("Run {} of {} {} was interrupted by a daemon restart; request {}", run.runId,
                        run.request.app, run.request.identifier,
                        exists ? "superseded by a newer one" : "put back to pending");
        }
        txn.commit();
        pending = store_.loadRequests();
    }
    book_.assign(std::move(pending));
    for (const auto& r : book_.all())
        nextRequestId_ = std::max(nextRequestId_, r.id + 1);
    log()->info("Loaded {} pending request(s)", book_.size());
}

void TaskService::shutdown()
{
    commits_.flush();
    runs_.interruptAll("daemon-shutdown");
}

void TaskService::reloadBook()
{
    book_.assign(store_.loadRequests());
    for (const auto& r : book_.all())
        nextRequestId_ = std::max(nextRequestId_, r.id + 1);
}

std::vector<const core::Manifest*> TaskService::appsOf(const std::string& caller) const
{
    std::vector<const core::Manifest*> apps;
    for (const auto& m : manifests_.all())
        if (names_.ownerOf(m.busName) == caller)
            apps.push_back(&m);
    return apps;
}

const core::Manifest& TaskService::appFor(const std::string& caller, const std::string& identifier,
                                          std::optional<core::TaskKind> kind) const
{
    const auto apps = appsOf(caller);
    if (apps.empty())
        throw core::Error(core::ErrorCode::AccessDenied, "not-an-app",
                          "connection " + caller + " owns the bus name of no app with a bgtaskd manifest");
    for (const auto* app : apps)
        if (kind ? app->permitsIdentifier(identifier, *kind) : app->permitsAnyKind(identifier))
            return *app;
    return *apps.front();   // validation names what this app does not permit
}

std::vector<std::string> TaskService::registerHandlers(const std::string& caller,
                                                       const std::vector<std::string>& identifiers)
{
    if (appsOf(caller).empty())
        throw core::Error(core::ErrorCode::AccessDenied, "not-an-app",
                          "connection " + caller + " owns the bus name of no app with a bgtaskd manifest");
    for (const auto& id : identifiers)
        if (!core::isValidIdentifier(id))
            throw core::Error(core::ErrorCode::InvalidArgument, "bad-identifier",
                              "'" + id + "' is not a valid task identifier");
    std::vector<std::string> refused;
    std::map<std::string, std::vector<std::string>> accepted;   // app → identifiers
    for (const auto& id : identifiers) {
        const auto& app = appFor(caller, id, std::nullopt);
        if (!app.permitsAnyKind(id)) {
            refused.push_back(id);
            continue;
        }
        handlers_.add(caller, app.id, id);
        accepted[app.id].push_back(id);
    }
    for (const auto& [app, ids] : accepted) {
        log()->debug("{} registered {} handler(s) for {}", caller, ids.size(), app);
        runs_.registered(caller, app, ids);
    }
    return refused;
}

void TaskService::submit(const std::string& caller, core::TaskRequest request, Done done)
{
    try {
        const auto& app = appFor(caller, request.identifier, request.kind);
        request.app = app.id;
        core::validateRequest(app, request);
        const auto pending = book_.ofApp(app.id);
        core::checkQuota(pending, request, limits_);
        if (request.kind == core::TaskKind::ContinuedProcessing)
            checkContinuedCanRun(caller, request);
    } catch (const core::Error& e) {
        log()->debug("Refused submit of {} from {}: {}", request.identifier, caller, e.what());
        done(&e);
        return;
    }
    request.submittedAt = effects_.now();
    request.id = nextRequestId_++;
    const bool replaced = book_.find(request.app, request.identifier) != nullptr;
    book_.upsert(request);
    commits_.enqueue([request](store::Store& s) { s.upsertRequest(request); },
                     [this, request, replaced, done = std::move(done)](const core::Error* e) {
                         if (!e)
                             effects_.emitTaskChanged({request.app, request.identifier,
                                                       replaced ? "replaced" : "submitted",
                                                       request.kind, 0, {}, std::nullopt});
                         done(e);
                     });
    effects_.requestPlan();
}

void TaskService::checkContinuedCanRun(const std::string& caller, const core::TaskRequest& request) const
{
    // Continued processing runs in the process that submits it, never by activation, so that
    // process must already have a handler (Apple aborts here; bgtaskd answers).
    if (!handlers_.isRegistered(caller, request.app, request.identifier))
        throw core::Error(core::ErrorCode::NotPermitted, "no-handler",
                          "register a launch handler for " + request.identifier + " before submitting it");
    const auto strategy = request.options.strategy.value_or(core::Strategy::Queue);
    if (strategy != core::Strategy::Fail)
        return;
    const auto readiness = core::evaluate(request, runs_.snapshot(), state_, policy_, effects_.now());
    if (!readiness.due)
        throw core::Error(core::ErrorCode::ImmediateRunIneligible, "cannot-start-now",
                          request.identifier + " cannot start now (" + readiness.reason + ")");
}

void TaskService::cancel(const std::string& caller, const std::string& identifier, Done done)
{
    const auto apps = appsOf(caller);
    if (apps.empty()) {
        core::Error e(core::ErrorCode::AccessDenied, "not-an-app",
                      "connection " + caller + " owns the bus name of no app with a bgtaskd manifest");
        done(&e);
        return;
    }
    bool any = false;
    for (const auto* app : apps) {
        const auto* request = book_.find(app->id, identifier);
        if (!request)
            continue;   // Apple: cancelling an unknown identifier is not an error
        const auto kind = request->kind;
        book_.erase(app->id, identifier);
        any = true;
        commits_.enqueue([app = app->id, identifier](store::Store& s) { s.deleteRequest(app, identifier); },
                         [this, app = app->id, identifier, kind](const core::Error* e) {
                             if (!e)
                                 effects_.emitTaskChanged({app, identifier, "cancelled", kind, 0, {}, std::nullopt});
                         });
    }
    if (any)
        commits_.enqueue([](store::Store&) {}, std::move(done));
    else
        done(nullptr);
    effects_.requestPlan();
}

void TaskService::cancelAll(const std::string& caller, Done done)
{
    const auto apps = appsOf(caller);
    if (apps.empty()) {
        core::Error e(core::ErrorCode::AccessDenied, "not-an-app",
                      "connection " + caller + " owns the bus name of no app with a bgtaskd manifest");
        done(&e);
        return;
    }
    for (const auto* app : apps) {
        for (const auto* r : book_.ofApp(app->id))
            effects_.emitTaskChanged({r->app, r->identifier, "cancelled", r->kind, 0, {}, std::nullopt});
        book_.eraseApp(app->id);
        commits_.enqueue([app = app->id](store::Store& s) { s.deleteAllRequests(app); }, {});
    }
    commits_.enqueue([](store::Store&) {}, std::move(done));
    effects_.requestPlan();
}

std::vector<core::TaskRequest> TaskService::pendingOf(const std::string& caller) const
{
    const auto apps = appsOf(caller);
    if (apps.empty())
        throw core::Error(core::ErrorCode::AccessDenied, "not-an-app",
                          "connection " + caller + " owns the bus name of no app with a bgtaskd manifest");
    std::vector<core::TaskRequest> out;
    for (const auto& r : book_.all())
        if (std::any_of(apps.begin(), apps.end(), [&](const auto* a) { return a->id == r.app; }))
            out.push_back(r);
    return out;
}

void TaskService::complete(const std::string& caller, std::int64_t runId, bool success, Done done)
{
    runs_.complete(caller, runId, success, std::move(done));
}

std::vector<RequestView> TaskService::evaluateAll(core::TimePoint now) const
{
    const auto running = runs_.snapshot();
    std::vector<RequestView> out;
    out.reserve(book_.size());
    decltype(unmetSince_) seen;
    for (const auto& r : book_.all()) {
        out.push_back({r, core::evaluate(r, running, state_, policy_, now)});
        for (const auto& u : out.back().readiness.unmet) {
            std::tuple key{r.app, r.identifier, u.condition};
            const auto it = unmetSince_.find(key);
            seen.emplace(std::move(key), it == unmetSince_.end() ? now : it->second);
        }
    }
    unmetSince_ = std::move(seen);
    return out;
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
            const auto it = unmetSince_.find({app, identifier, u.condition});
            out.blockers.push_back({u.condition, u.reason, remedyFor(u.condition),
                                    it == unmetSince_.end() ? std::nullopt : std::optional(it->second)});
        }
        out.pending = std::move(view);
        return out;
    }
    for (const auto& [id, run] : runs_.active()) {
        if (run.task.request.app == app && run.task.request.identifier == identifier) {
            out.running = run;
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
                          "app " + app + " has no request, task or finished run " + identifier);
    out.lastRun = std::move(runs.front());
    return out;
}

std::vector<AppView> TaskService::apps() const
{
    std::vector<AppView> out;
    for (const auto& m : manifests_.all())
        out.push_back({&m, book_.ofApp(m.id).size()});
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
                              identifier + " of " + app + " is still being launched");
        runs_.expire(id, "simulated");
        return;
    }
    throw core::Error(core::ErrorCode::NotFound, "no-such-task",
                      "app " + app + " has no running task " + identifier);
}

void TaskService::cancelFor(const std::string& app, const std::string& identifier, Done done)
{
    const auto* request = book_.find(app, identifier);
    if (!request) {
        core::Error e(core::ErrorCode::NotFound, "no-such-request",
                      "app " + app + " has no pending request " + identifier);
        done(&e);
        return;
    }
    const auto kind = request->kind;
    book_.erase(app, identifier);
    commits_.enqueue([app, identifier](store::Store& s) { s.deleteRequest(app, identifier); },
                     [this, app, identifier, kind, done = std::move(done)](const core::Error* e) {
                         if (!e)
                             effects_.emitTaskChanged({app, identifier, "cancelled", kind, 0, {}, std::nullopt});
                         done(e);
                     });
    effects_.requestPlan();
}

void TaskService::nameOwnerChanged(const std::string& name, const std::string& /*oldOwner*/,
                                   const std::string& newOwner)
{
    if (isUniqueName(name)) {
        if (newOwner.empty()) {
            handlers_.dropConnection(name);
            runs_.connectionClosed(name);
        }
        return;
    }
    names_.update(name, newOwner);
    runs_.busNameOwnerChanged(name, newOwner);
}

void TaskService::setSystemState(const core::SystemState& state)
{
    state_ = state;
    effects_.requestPlan();
}

void TaskService::planNow()
{
    const auto now = effects_.now();
    evaluateAll(now);   // keeps the first-seen time of every unmet condition current
    const auto running = runs_.snapshot();
    const auto plan = core::plan(book_.all(), running, state_, policy_, now);
    for (auto id : plan.launchTimedOut)
        runs_.launchTimedOut(id);
    for (auto id : plan.expire)
        runs_.expire(id, "time-limit");
    for (const auto& [id, reason] : plan.expireFor)
        runs_.expire(id, reason);
    for (auto id : plan.terminate)
        runs_.terminate(id);
    if (!plan.launch.empty()) {
        std::vector<core::TaskRequest> due;
        for (auto id : plan.launch)
            if (const auto* r = book_.findById(id))
                due.push_back(*r);
        for (const auto& r : due)
            book_.erase(r.app, r.identifier);
        try {
            runs_.launch(due, false);
        } catch (const core::Error& e) {
            log()->error("Failed to start {} run(s): {}; retrying in 5 s", due.size(), e.what());
            reloadBook();
            effects_.armWakeup(now + std::chrono::seconds(5));
            return;
        }
    }
    const bool acted = !plan.launch.empty() || !plan.launchTimedOut.empty() ||
                       !plan.expire.empty() || !plan.terminate.empty() || !plan.expireFor.empty();
    if (acted)
        effects_.requestPlan();   // the next pass arms the timer for the new state
    else
        effects_.armWakeup(plan.nextWakeup);
}

} // namespace bgtask::service
