// SPDX-License-Identifier: LGPL-2.1-or-later
#include "TaskService.h"

#include "Log.h"

#include "core/Limits.h"
#include "core/ManifestParser.h"
#include "core/Utf8.h"
#include "core/Validation.h"

#include <algorithm>
#include <limits>
#include <random>
#include <set>
#include <string_view>

namespace bgtask::service {
namespace {

auto log() { static auto l = logger("service"); return l; }

bool isUniqueName(const std::string& name) { return !name.empty() && name.front() == ':'; }

std::function<std::uint64_t()> randomSeeds()
{
    return [engine = std::mt19937_64(std::random_device{}())]() mutable { return engine(); };
}

// The blockers whose first-seen time the service takes from elsewhere than the per-request
// records (TaskService::sinceOf()): those would cost a pass over every request whenever the
// state, the running set or the clock changes.
bool sinceIsShared(std::string_view blocker)
{
    static const std::set<std::string_view> shared{
        core::kConditionNetwork, core::kConditionNetworkUnmetered, core::kConditionExternalPower,
        core::kConditionBatteryNotLow, core::kConditionLowBattery, core::kConditionUserIdle,
        core::kConditionLowPowerMode, core::kConditionDataProtection, core::kConditionGpu,
        core::kBlockerConcurrencyLimit, core::kBlockerCatchUp, core::kBlockerAppUnreachable,
        core::kBlockerRefreshSpacing, "earliest-begin-date", "previous-run-active"};
    return shared.contains(blocker);
}

std::vector<core::Readiness> perRequestOnly(std::vector<core::Readiness> readiness)
{
    for (auto& r : readiness)
        std::erase_if(r.unmet, [](const core::Unmet& u) { return sinceIsShared(u.condition); });
    return readiness;
}

} // namespace

TaskService::TaskService(store::Store& store, ManifestRegistry& manifests, const ServiceConfig& config,
                         Effects& effects, std::function<void()> scheduleFlush)
    : store_(store), manifests_(manifests), limits_(config.limits),
      usage_(store, config.fairness, config.budgetResetTime), effects_(effects),
      commits_(store, std::move(scheduleFlush), [this] { reloadBook(); }),
      runs_(store, commits_, manifests, limits_, effects),
      schedules_(store, commits_, manifests, config.scheduleSeeds ? config.scheduleSeeds : randomSeeds())
{
    policyTable_.adminGlobal = config.adminGlobal;
    policyTable_.admin = config.adminApps;
    runs_.setHooks({[this](const ActiveRun& run) { onRunDelivered(run); },
                    [this](const ActiveRun& run) { refreshNotification(run.task.request.app, run.task.request.identifier); },
                    [this](const ActiveRun& run, core::Outcome outcome, core::TimePoint at, const core::RunUsage& usage) {
                        onRunEnded(run, outcome, at, usage);
                    },
                    [this](const ActiveRun& run, const std::string& why) { onRunUnreachable(run, why); }});
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
            // Continued processing belonged to a process of the previous daemon's time; it is
            // recorded but never requeued (see below).
            const bool exists = !present.emplace(run.request.app, run.request.identifier).second ||
                                run.request.kind == core::TaskKind::ContinuedProcessing;
            RunController::requeueInterrupted(store_, run, "daemon-restart", now, exists);
            log()->warn("Run {} of {} {} was interrupted by a daemon restart; request {}", run.runId,
                        run.request.app, run.request.identifier,
                        exists ? "superseded by a newer one" : "put back to pending");
        }
        txn.commit();
        pending = store_.loadRequests();
    }
    dropOrphanedContinued(pending);
    try {
        runs_.reserveRunIds();
    } catch (const core::Error& e) {
        // A daemon on a failing disk still starts and answers; the first launch tries again.
        log()->warn("Failed to reserve run ids: {}", e.what());
    }
    book_.assign(std::move(pending));
    for (const auto& r : book_.all())
        nextRequestId_ = std::max(nextRequestId_, r.id + 1);
    dropAppsWithoutManifest();
    for (const auto& [app, switches] : store_.loadUserPolicy()) {
        if (app.empty())
            policyTable_.userGlobal = switches;
        else
            policyTable_.user[app] = switches;
    }
    usage_.load(now);
    log()->info("Loaded {} pending request(s)", book_.size());
    beginCatchUp(now, "the daemon's start");
    schedules_.load();
    applyScheduleChanges(schedules_.reconcile(book_.all(), [](const auto&, const auto&) { return false; }, now));
}

// An app whose manifest was removed while the daemon was down loses its requests now, as a
// reload would have dropped them then (each with its history record); one whose file is
// still there but broken keeps them, held as a reload holds it.
void TaskService::dropAppsWithoutManifest()
{
    std::set<std::string> gone;
    for (const auto& r : book_.all())
        if (!manifests_.byId(r.app) && !manifests_.brokenInPlace(r.app))
            gone.insert(r.app);
    for (const auto& app : gone)
        dropRemovedApp(app);
}

// A waiting continued-processing request belongs to the process that submitted it, and no
// process of the previous daemon's time can be told apart from a new one: such requests are
// dropped at start, as Apple drops them when their app goes away.
void TaskService::dropOrphanedContinued(std::vector<core::TaskRequest>& pending)
{
    const auto orphaned = [](const core::TaskRequest& r) { return r.kind == core::TaskKind::ContinuedProcessing; };
    if (std::none_of(pending.begin(), pending.end(), orphaned))
        return;
    store::Store::Transaction txn(store_);
    for (const auto& r : pending)
        if (orphaned(r)) {
            store_.deleteRequest(r.app, r.identifier);
            log()->info("Dropped continued-processing request {} of {}: its process is gone", r.identifier, r.app);
        }
    txn.commit();
    std::erase_if(pending, orphaned);
}

void TaskService::shutdown()
{
    commits_.flush();
    for (const auto& [id, run] : runs_.active())
        if (run.task.request.kind == core::TaskKind::ContinuedProcessing)
            effects_.closeNotification(run.task.request.app, run.task.request.identifier);
    for (const auto& r : book_.all())
        if (r.kind == core::TaskKind::ContinuedProcessing)
            effects_.closeNotification(r.app, r.identifier);
    runs_.interruptAll("daemon-shutdown");
}

void TaskService::reloadBook()
{
    unmet_.invalidateAll();
    book_.assign(store_.loadRequests());
    for (const auto& r : book_.all())
        nextRequestId_ = std::max(nextRequestId_, r.id + 1);
    schedules_.load();
}

std::vector<const core::Manifest*> TaskService::appsOf(const std::string& caller) const
{
    std::vector<const core::Manifest*> apps;
    forEachAppOf(caller, [&](const core::Manifest& app) { apps.push_back(&app); });
    // Registry order (the manifests live in one vector), as when every manifest was walked.
    std::sort(apps.begin(), apps.end());
    return apps;
}

// appsOf()'s first app that permits the identifier, else its first app (validation names what
// that app does not permit), without the vectors: every submit asks. appsOf()'s registry order
// is the manifests' order in memory.
const core::Manifest& TaskService::appFor(const std::string& caller, const std::string& identifier,
                                          std::optional<core::TaskKind> kind) const
{
    const core::Manifest* first = nullptr;
    const core::Manifest* permitted = nullptr;
    forEachAppOf(caller, [&](const core::Manifest& app) {
        if (!first || &app < first)
            first = &app;
        if ((!permitted || &app < permitted) &&
            (kind ? app.permitsIdentifier(identifier, *kind) : app.permitsAnyKind(identifier)))
            permitted = &app;
    });
    if (!first)
        throw core::Error(core::ErrorCode::AccessDenied, "not-an-app",
                          "connection " + caller + " owns the bus name of no app with a bgtaskd manifest");
    return permitted ? *permitted : *first;
}

std::vector<std::string> TaskService::registerHandlers(const std::string& caller,
                                                       const std::vector<std::string>& identifiers)
{
    if (appsOf(caller).empty())
        throw core::Error(core::ErrorCode::AccessDenied, "not-an-app",
                          "connection " + caller + " owns the bus name of no app with a bgtaskd manifest");
    if (identifiers.size() > core::kMaxRegisterIdentifiers)
        throw core::Error(core::ErrorCode::InvalidArgument, "too-many-identifiers",
                          std::to_string(identifiers.size()) + " identifiers in one call, at most " +
                              std::to_string(core::kMaxRegisterIdentifiers));
    for (const auto& id : identifiers)
        if (!core::isValidIdentifier(id))
            throw core::Error(core::ErrorCode::InvalidArgument, "bad-identifier",
                              "'" + core::excerpt(id) + "' is not a valid task identifier");
    std::vector<std::string> refused;
    std::vector<std::pair<const core::Manifest*, const std::string*>> permitted;
    for (const auto& id : identifiers) {
        const auto& app = appFor(caller, id, std::nullopt);
        if (app.permitsAnyKind(id))
            permitted.emplace_back(&app, &id);
        else
            refused.push_back(id);
    }
    // All or nothing: a call that would pass the connection's bound registers none.
    const auto fresh = static_cast<std::size_t>(std::ranges::count_if(permitted, [&](const auto& p) {
        return !handlers_.isRegistered(caller, p.first->id, *p.second);
    }));
    if (handlers_.count(caller) + fresh > core::kMaxHandlersPerConnection)
        throw core::Error(core::ErrorCode::InvalidArgument, "too-many-identifiers",
                          "connection " + caller + " has " + std::to_string(handlers_.count(caller)) +
                              " identifiers registered and asks for " + std::to_string(fresh) +
                              " more, at most " + std::to_string(core::kMaxHandlersPerConnection));
    std::map<std::string, std::vector<std::string>> accepted;   // app → identifiers
    for (const auto& [app, id] : permitted) {
        handlers_.add(caller, app->id, *id);
        accepted[app->id].push_back(*id);
    }
    for (const auto& [app, ids] : accepted) {
        log()->debug("{} registered {} handler(s) for {}", caller, ids.size(), app);
        runs_.registered(caller, app, ids);
        if (const auto waited = book_.clearUnreachable(app)) {
            log()->info("{} registered; {} request(s) that could not reach it may launch now", app, waited);
            unmet_.invalidateAll();
            effects_.requestPlan();
        }
    }
    return refused;
}

void TaskService::submit(const std::string& caller, core::TaskRequest request, Done done)
{
    try {
        const auto& app = appFor(caller, request.identifier, request.kind);
        request.app = app.id;
        schedules_.checkSubmit(app, request.identifier);
        core::validateRequest(app, request);
        core::checkPolicyAllowsSubmit(request, policyTable_);
        const auto pending = book_.ofApp(app.id);
        core::checkQuota(pending, request, limits_);
        if (request.kind == core::TaskKind::ContinuedProcessing) {
            checkGpu(app, request);
            checkContinuedCanRun(caller, request);
        }
    } catch (const core::Error& e) {
        log()->debug("Refused submit of {} from {}: {}", core::excerpt(request.identifier), caller,
                     core::boundedText(e.what(), core::kMaxErrorTextBytes));
        done(&e);
        return;
    }
    const auto now = effects_.now();
    request.submittedAt = now;
    if (request.kind != core::TaskKind::ContinuedProcessing)
        request = schedules_.submitted(std::move(request), now);
    request.id = nextRequestId_++;
    const bool replaced = book_.find(request.app, request.identifier) != nullptr;
    book_.upsert(request);
    unmet_.touch(request.app, request.identifier);
    if (request.kind == core::TaskKind::ContinuedProcessing)
        submitters_[{request.app, request.identifier}] = caller;
    // The answer needs the key and kind only; the write takes the request itself.
    auto answer = [this, app = request.app, identifier = request.identifier, kind = request.kind, replaced,
                   done = std::move(done)](const core::Error* e) {
        if (!e) {
            effects_.emitTaskChanged({app, identifier, replaced ? "replaced" : "submitted", kind, 0, {}, std::nullopt});
            if (kind == core::TaskKind::ContinuedProcessing)
                refreshNotification(app, identifier);
        }
        done(e);
    };
    commits_.enqueue([request = std::move(request)](store::Store& s) { s.upsertRequest(request); }, std::move(answer));
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
    // Would it start on the next plan? Only the continued-processing queue matters: the
    // request goes behind those already waiting, and replaces one of its own identifier.
    std::vector<core::TaskRequest> queue;
    for (const auto& r : book_.all())
        if (r.kind == core::TaskKind::ContinuedProcessing && (r.app != request.app || r.identifier != request.identifier))
            queue.push_back(r);
    queue.push_back(request);
    queue.back().id = std::numeric_limits<std::int64_t>::max();
    const auto readiness = core::evaluateAll(queue, runs_.snapshot(), state_, policy_, policyTable_,
                                             usage_.scheduling(), effects_.now());
    if (!readiness.back().due)
        throw core::Error(core::ErrorCode::ImmediateRunIneligible, "cannot-start-now",
                          request.identifier + " cannot start now (" + readiness.back().reason + ")");
}

// Apple: RequiredResources gpu needs the entitlement (validateRequest checks it) and a device
// that supports it; here, a DRM render node the GPU source has seen.
void TaskService::checkGpu(const core::Manifest& app, const core::TaskRequest& request) const
{
    const auto& resources = request.options.requiredResources;
    if (!resources || std::find(resources->begin(), resources->end(), core::kResourceGpu) == resources->end())
        return;
    if (state_.gpuAvailable != true)
        throw core::Error(core::ErrorCode::NotPermitted, "gpu-unsupported",
                          state_.gpuAvailable ? "this machine has no GPU render node for " + app.id
                                              : "bgtaskd does not know of a GPU render node yet");
}

// Apple leaves cancelling a running task undefined; bgtaskd expires it with "app-cancelled",
// so the app's own expiration handler stops the work.
void TaskService::cancel(const std::string& caller, const std::string& identifier, Done done)
{
    const auto apps = appsOf(caller);
    if (apps.empty()) {
        core::Error e(core::ErrorCode::AccessDenied, "not-an-app",
                      "connection " + caller + " owns the bus name of no app with a bgtaskd manifest");
        done(&e);
        return;
    }
    bool pending = false;
    for (const auto* app : apps)
        pending = cancelIdentifier(app->id, identifier) || pending;   // Apple: unknown ones are no error
    if (pending)
        commits_.enqueue([](store::Store&) {}, std::move(done));
    else
        done(nullptr);
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
        // cancelIdentifier() may end runs and replace requests, so not while walking them.
        std::set<std::string> identifiers;
        for (const auto& [id, run] : runs_.active())
            if (run.task.request.app == app->id)
                identifiers.insert(run.task.request.identifier);
        for (const auto* r : book_.ofApp(app->id))
            identifiers.insert(r->identifier);
        for (const auto& identifier : identifiers)
            cancelIdentifier(app->id, identifier);
    }
    commits_.enqueue([](store::Store&) {}, std::move(done));
}

bool TaskService::expireRunningFor(const std::string& app, const std::string& identifier,
                                   const std::string& reason)
{
    for (const auto& [id, run] : runs_.active()) {
        if (run.task.request.app == app && run.task.request.identifier == identifier) {
            runs_.expire(id, reason);
            return true;
        }
    }
    return false;
}

void TaskService::dropRequest(const std::string& app, const std::string& identifier, Done done)
{
    const auto* request = book_.find(app, identifier);
    if (!request)
        return;
    const auto kind = request->kind;
    book_.erase(app, identifier);
    unmet_.touch(app, identifier);
    submitters_.erase({app, identifier});
    commits_.enqueue([app, identifier](store::Store& s) { s.deleteRequest(app, identifier); },
                     [this, app, identifier, kind, done = std::move(done)](const core::Error* e) {
                         if (!e)
                             effects_.emitTaskChanged({app, identifier, "cancelled", kind, 0, {}, std::nullopt});
                         if (done)
                             done(e);
                     });
    if (kind == core::TaskKind::ContinuedProcessing)
        refreshNotification(app, identifier);
    effects_.requestPlan();
}

std::vector<core::TaskRequest> TaskService::pendingOf(const std::string& caller) const
{
    const auto apps = appsOf(caller);
    if (apps.empty())
        throw core::Error(core::ErrorCode::AccessDenied, "not-an-app",
                          "connection " + caller + " owns the bus name of no app with a bgtaskd manifest");
    std::vector<core::TaskRequest> out;
    for (const auto* app : apps)
        for (const auto* r : book_.ofApp(app->id))
            out.push_back(*r);
    std::ranges::sort(out, {}, &core::TaskRequest::id);   // submission order
    // std::unique, not std::ranges::unique: clang (the fuzzing build) cannot use the subrange
    // the latter returns with this libstdc++.
    out.erase(std::unique(out.begin(), out.end(),
                          [](const core::TaskRequest& a, const core::TaskRequest& b) { return a.id == b.id; }),
              out.end());
    return out;
}

void TaskService::complete(const std::string& caller, std::int64_t runId, bool success, Done done)
{
    try {
        checkOwnsTaskApp(caller, runId);
    } catch (const core::Error& e) {
        done(&e);
        return;
    }
    runs_.complete(caller, runId, success, std::move(done));
}

void TaskService::saveCheckpoint(const std::string& caller, std::int64_t runId,
                                 std::vector<std::uint8_t> data, Done done)
{
    try {
        checkOwnsTaskApp(caller, runId);
    } catch (const core::Error& e) {
        done(&e);
        return;
    }
    runs_.saveCheckpoint(caller, runId, std::move(data), std::move(done));
}

void TaskService::checkOwnsTaskApp(const std::string& caller, std::int64_t runId) const
{
    const auto* run = runs_.find(runId);
    if (!run || run->connection != caller || actsFor(caller, run->task.request.app))
        return;   // not found and not the owner are the run controller's errors
    throw core::Error(core::ErrorCode::NotPermitted, "name-not-owned",
                      "connection " + caller + " no longer owns the bus name of " + run->task.request.app +
                          "; an app acts only while it owns its name");
}

std::vector<RequestView> TaskService::evaluateAll(core::TimePoint now) const
{
    const auto running = runs_.snapshot();
    auto readiness = core::evaluateAll(book_.all(), running, state_, policy_, policyTable_,
                                       usage_.scheduling(), now);
    trackShared(now);
    const bool catchUp = std::ranges::any_of(readiness, [](const core::Readiness& r) {
        return std::ranges::any_of(r.unmet, [](const core::Unmet& u) { return u.condition == core::kBlockerCatchUp; });
    });
    unmet_.recordShared(core::kBlockerCatchUp, catchUp, now);
    unmet_.recordAll(book_.all(), perRequestOnly(readiness), now);
    std::vector<RequestView> out;
    out.reserve(book_.size());
    std::size_t i = 0;
    for (const auto& r : book_.all())
        out.push_back({r, std::move(readiness[i++]), schedules_.viewOf(r.app, r.identifier, &r, false)});
    std::ranges::sort(out, [](const RequestView& a, const RequestView& b) { return a.request.id < b.request.id; });
    return out;
}


bool TaskService::scheduledSlotsFull() const
{
    std::size_t scheduled = 0;
    for (const auto& [id, run] : runs_.active())
        scheduled += core::isScheduledKind(run.task.request.kind) ? 1 : 0;
    return scheduled >= usage_.scheduling().limits.maxConcurrentTasks;
}

void TaskService::trackShared(core::TimePoint now) const
{
    unmet_.recordConditions(book_.conditionKeys(), state_, policy_, now);
    unmet_.recordShared(core::kBlockerConcurrencyLimit, scheduledSlotsFull(), now);
}

void TaskService::refreshContinued()
{
    for (const auto& [key, connection] : submitters_)
        unmet_.refresh(key.first, key.second);
}

void TaskService::refreshApp(const std::string& app)
{
    for (const auto* r : book_.ofApp(app))
        unmet_.refresh(r->app, r->identifier);
}

// Only the blockers each request holds on its own are evaluated per request (perRequestOnly()),
// and only for the requests touched or stale since the last pass unless a full pass is due. The
// records keep no reasons, so none are composed (Reasons::Skip).
void TaskService::trackUnmet(core::TimePoint now)
{
    trackShared(now);
    const auto running = runs_.snapshot();
    if (unmet_.needsAll()) {
        // In slices: every request's readiness at once (reasons and all) was the peak of a
        // start with many pending requests, for the few per-request blockers kept. Only the
        // continued-processing queue depends on other requests (each one's place counts those
        // ahead of it), so those requests are evaluated together, apart from the slices.
        constexpr std::size_t kSlice = 2048;
        const auto all = book_.all();
        std::vector<const core::TaskRequest*> continued;
        unmet_.beginAll();
        for (std::size_t first = 0; first < all.size(); first += kSlice) {
            const auto slice = all.subspan(first, std::min(kSlice, all.size() - first));
            auto readiness = perRequestOnly(core::evaluateAll(slice, running, state_, policy_, policyTable_,
                                                              usage_.scheduling(), now, core::Reasons::Skip));
            for (std::size_t i = 0; i < slice.size(); ++i) {
                if (slice[i].kind == core::TaskKind::ContinuedProcessing) {
                    continued.push_back(&slice[i]);
                    readiness[i].unmet.clear();   // recorded below, with the whole queue
                }
            }
            unmet_.recordPart(slice, readiness, now);
        }
        if (!continued.empty()) {
            std::vector<core::TaskRequest> queue;
            queue.reserve(continued.size());
            for (const auto* r : continued)
                queue.push_back(*r);
            const auto readiness = perRequestOnly(core::evaluateAll(queue, running, state_, policy_, policyTable_,
                                                                    usage_.scheduling(), now, core::Reasons::Skip));
            unmet_.recordPart(queue, readiness, now);
        }
        unmet_.endAll();
        return;
    }
    const auto pendingOf = [this](const std::set<UnmetTracker::RequestKey>& keys) {
        std::vector<core::TaskRequest> out;
        out.reserve(keys.size());   // grown by doubling, it copied a batch's requests about twice
        for (const auto& [app, identifier] : keys)
            if (const auto* r = book_.find(app, identifier))
                out.push_back(*r);
        return out;
    };
    if (!unmet_.touched().empty()) {
        const auto touched = pendingOf(unmet_.touched());
        auto readiness = core::evaluateAll(touched, running, state_, policy_, policyTable_, usage_.scheduling(), now,
                                           core::Reasons::Skip);
        unmet_.recordTouched(touched, perRequestOnly(std::move(readiness)), now);
    }
    if (!unmet_.stale().empty()) {
        const auto stale = pendingOf(unmet_.stale());
        auto readiness = core::evaluateAll(stale, running, state_, policy_, policyTable_, usage_.scheduling(), now,
                                           core::Reasons::Skip);
        unmet_.recordStale(stale, perRequestOnly(std::move(readiness)), now);
    }
}

// Since when a pending request has waited for a blocker: from the per-request records, or for
// the shared ones the later of the request's submission and the moment the blocker began: a
// condition of its key, the slots or the catch-up filling, its app's last refresh launch, its
// first launch that did not reach the app, the start of the active run of its identifier.
std::optional<core::TimePoint> TaskService::sinceOf(const core::TaskRequest& request, const std::string& blocker) const
{
    if (!sinceIsShared(blocker))
        return unmet_.since(request.app, request.identifier, blocker);
    std::optional<core::TimePoint> since;
    if (blocker == "earliest-begin-date") {
        since = request.submittedAt;
    } else if (blocker == core::kBlockerAppUnreachable) {
        if (request.unreachable)
            since = request.unreachable->since;
    } else if (blocker == core::kBlockerRefreshSpacing) {
        if (const auto* usage = core::usageOf(usage_.scheduling(), request.app))
            since = usage->lastRefreshLaunch;
    } else if (blocker == "previous-run-active") {
        for (const auto& [id, run] : runs_.active())
            if (run.task.request.app == request.app && run.task.request.identifier == request.identifier)
                since = run.task.startedAt;
    } else if (blocker == core::kBlockerConcurrencyLimit || blocker == core::kBlockerCatchUp) {
        since = unmet_.sharedSince(blocker);
    } else {
        since = unmet_.conditionSince(core::conditionKeyOf(request), blocker);
    }
    if (since && *since < request.submittedAt)
        since = request.submittedAt;
    return since;
}

void TaskService::nameOwnerKnown(const std::string& name, const std::string& owner)
{
    names_.update(name, owner);
    runs_.busNameOwnerChanged(name, owner);
}

void TaskService::nameOwnerChanged(const std::string& name, const std::string& oldOwner,
                                   const std::string& newOwner)
{
    if (isUniqueName(name)) {
        if (newOwner.empty()) {
            handlers_.dropConnection(name);
            runs_.connectionClosed(name);
            connectionGone(name);
        }
        return;
    }
    nameOwnerKnown(name, newOwner);
    if (oldOwner.empty() && !newOwner.empty())
        learnOpens(name);
}

// An app whose bus name appears while bgtaskd runs none of its tasks was started by someone
// else: the user opened it. A name that appears for a launch bgtaskd started is no open.
void TaskService::learnOpens(const std::string& busName)
{
    if (!usage_.scheduling().limits.usage.learn)
        return;
    const auto now = effects_.now();
    for (const auto* manifest : manifests_.byBusName(busName)) {
        const auto& app = manifest->id;
        const bool ours = std::ranges::any_of(runs_.active(), [&](const auto& entry) {
            return entry.second.task.request.app == app;
        });
        if (ours)
            continue;
        const auto pattern = usage_.learnOpen(app, now);
        log()->debug("Learned an open of {} ({} so far)", app, pattern.opens);
        commits_.enqueue([app, pattern](store::Store& s) { s.saveUsagePattern(app, pattern); }, {});
        unmet_.invalidateAll();
        effects_.requestPlan();
    }
}

void TaskService::onRunUnreachable(const ActiveRun& run, const std::string& why)
{
    const auto now = effects_.now();
    auto request = run.task.request;
    const auto* newer = book_.find(request.app, request.identifier);
    commits_.flush();
    {
        // Nothing ran: the run row goes (it would count as a launch for refresh spacing) and
        // the request comes back, unless the app has submitted a new one meanwhile.
        store::Store::Transaction txn(store_);
        store_.deleteRun(run.task.runId);
        if (!newer)
            store_.upsertRequest(request);
        txn.commit();
    }
    if (newer)
        request = *newer;
    else
        request.id = nextRequestId_++;
    request.unreachable = core::markUnreachable(request.unreachable, why, now);
    book_.upsert(std::move(request));
    unmet_.touch(run.task.request.app, run.task.request.identifier);
    usage_.load(now);   // the attempt is no launch: spacing and budgets as before it
}

// Power coming back after time on battery releases at once every request that waited for it;
// power first reported (unknown before) is the start-up's catch-up.
void TaskService::setSystemState(const core::SystemState& state)
{
    if (state_.onExternalPower == false && state.onExternalPower == true)
        beginCatchUp(effects_.now(), "plugging in");
    state_ = state;
    unmet_.recordConditions(book_.conditionKeys(), state_, policy_, effects_.now());
    refreshContinued();   // a continued request's place in the queue counts only unblocked ones
    requestPlan();
}

void TaskService::resumed()
{
    beginCatchUp(effects_.now(), "a resume from sleep");
    requestPlan();
}

void TaskService::beginCatchUp(core::TimePoint now, const std::string& cause)
{
    const auto& limits = usage_.scheduling().limits.catchUp;
    if (limits.launches == 0 || limits.window <= core::Duration{0})
        return;
    usage_.beginCatchUp(now, cause);
    log()->info("Catching up after {}: at most {} launch(es) per {} s", cause, limits.launches,
                std::chrono::duration_cast<std::chrono::seconds>(limits.window).count());
}

std::optional<core::TimePoint> TaskService::settleCatchUp(const core::Plan& plan, core::TimePoint now)
{
    const auto& catchUp = usage_.catchUp();
    const auto& limits = usage_.scheduling().limits.catchUp;
    if (!catchUp.active() || plan.catchUpHeld > 0)
        return plan.nextWakeup;
    if (core::catchUpMayEnd(catchUp, limits, now)) {
        log()->info("Caught up after {}", catchUp.cause);
        usage_.endCatchUp();
        unmet_.recordShared(core::kBlockerCatchUp, false, now);
        return plan.nextWakeup;
    }
    const auto end = *catchUp.since + limits.window;
    return plan.nextWakeup && *plan.nextWakeup < end ? plan.nextWakeup : std::optional(end);
}

void TaskService::planNow()
{
    const auto now = effects_.now();
    if (usage_.rollOver(now)) {
        log()->info("A new budget day began; background time budgets are reset");
        unmet_.invalidateAll();
    }
    trackUnmet(now);
    book_.ripen(now);
    const auto running = runs_.snapshot();
    const auto plan = core::plan(book_, running, state_, policy_, policyTable_, usage_.scheduling(), now);
    if (plan.catchUpBegins)
        beginCatchUp(now, *plan.catchUpBegins);
    unmet_.recordShared(core::kBlockerCatchUp, plan.catchUpHeld > 0, now);
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
        for (const auto& r : due) {
            book_.erase(r.app, r.identifier);
            submitters_.erase({r.app, r.identifier});
        }
        // The running set changes the slots (shared) and the continued-processing queue.
        if (std::ranges::any_of(due, [](const auto& r) { return r.kind == core::TaskKind::ContinuedProcessing; }))
            refreshContinued();
        try {
            // The runs' recorded start, not this pass's `now`: the governor's window and the
            // refresh spacing must hold between the starts that history shows, and getting here
            // (planning, flushing commits) takes time under load.
            const auto startedAt = runs_.launch(due, false, plan.coalesced);
            for (const auto& r : due)
                usage_.launched(r, false, startedAt);
        } catch (const core::Error& e) {
            log()->error("Failed to start {} run(s): {}; retrying in 5 s", due.size(), e.what());
            reloadBook();
            effects_.armWakeup(now + std::chrono::seconds(5));
            return;
        }
    }
    const bool acted = !plan.launch.empty() || !plan.launchTimedOut.empty() ||
                       !plan.expire.empty() || !plan.terminate.empty() || !plan.expireFor.empty();
    const auto wakeup = settleCatchUp(plan, now);
    if (acted)
        effects_.requestPlan();   // the next pass arms the timer for the new state
    else
        effects_.armWakeup(wakeup);
}

} // namespace bgtask::service
