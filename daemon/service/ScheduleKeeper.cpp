// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ScheduleKeeper.h"

#include "Log.h"

#include "core/Error.h"
#include "core/TimeSpan.h"

#include <algorithm>

namespace bgtask::service {
namespace {

auto log() { static auto l = logger("schedules"); return l; }

// Whether two requests ask for the same thing, whatever their due times.
bool sameRequest(core::TaskRequest a, core::TaskRequest b)
{
    a.options.earliestBeginDate.reset();
    b.options.earliestBeginDate.reset();
    return a.kind == b.kind && a.options == b.options;
}

std::string when(core::TimePoint t, core::TimePoint now)
{
    return t <= now ? "now" : "in " + core::formatTimeSpan(std::chrono::duration_cast<std::chrono::seconds>(t - now));
}

} // namespace

ScheduleKeeper::ScheduleKeeper(store::Store& store, CommitQueue& commits, const ManifestRegistry& manifests,
                               std::function<std::uint64_t()> seeds)
    : store_(store), commits_(commits), manifests_(manifests), seeds_(std::move(seeds))
{
}

void ScheduleKeeper::load()
{
    records_.clear();
    for (auto& record : store_.loadSchedules()) {
        Key key{record.app, record.identifier};
        records_.emplace(std::move(key), std::move(record));
    }
}

const core::ManifestSchedule* ScheduleKeeper::manifestSchedule(const std::string& app,
                                                               const std::string& identifier) const
{
    const auto* manifest = manifests_.byId(app);
    return manifest ? manifest->scheduleFor(identifier) : nullptr;
}

void ScheduleKeeper::put(core::ScheduleRecord record)
{
    commits_.enqueue([record](store::Store& s) { s.putSchedule(record); }, {});
    Key key{record.app, record.identifier};
    records_[std::move(key)] = std::move(record);
}

void ScheduleKeeper::forget(const Key& key)
{
    cancelledRuns_.erase(key);
    if (records_.erase(key) == 0)
        return;
    commits_.enqueue([key](store::Store& s) { s.deleteSchedule(key.first, key.second); }, {});
}

core::TaskRequest ScheduleKeeper::requestFor(const std::string& app, const core::ManifestSchedule& schedule,
                                             const core::ScheduleState& state, core::TimePoint now)
{
    core::TaskRequest request;
    request.app = app;
    request.identifier = schedule.identifier;
    request.kind = schedule.kind;
    request.options = schedule.options;
    const auto rules = core::scheduleOf(schedule.options);
    request.options.earliestBeginDate = core::nextRunNotBefore(*rules, state, now, seeds_());
    return request;
}

std::optional<core::TaskRequest> ScheduleKeeper::keepDeclared(const std::string& app,
                                                              const core::ManifestSchedule& schedule,
                                                              const core::TaskRequest* current, bool running,
                                                              core::TimePoint now)
{
    Key key{app, schedule.identifier};
    const auto it = records_.find(key);
    if (it == records_.end() || it->second.source != core::ScheduleSource::Manifest) {
        auto record = it == records_.end() ? core::ScheduleRecord{app, schedule.identifier, {}, {}} : it->second;
        record.source = core::ScheduleSource::Manifest;
        put(std::move(record));
    }
    if (running)
        return std::nullopt;   // the run's end submits the next one
    auto wanted = requestFor(app, schedule, records_.at(key).state, now);
    if (current && sameRequest(*current, wanted))
        return std::nullopt;
    log()->info("Schedule {} of {}: {} request, due {}", key.second, key.first,
                current ? "changed; replacing its" : "submitting its", when(*wanted.options.earliestBeginDate, now));
    return wanted;
}

ScheduleChanges ScheduleKeeper::reconcile(std::span<const core::TaskRequest> pending, const IsRunning& running,
                                          core::TimePoint now)
{
    std::set<Key> declared;
    for (const auto& manifest : manifests_.all())
        for (const auto& schedule : manifest.schedules)
            declared.emplace(manifest.id, schedule.identifier);
    // Only the pending requests of schedules matter: those with schedule options, those of a
    // known schedule and those of an identifier a manifest schedules.
    std::map<Key, const core::TaskRequest*> index;
    for (const auto& r : pending) {
        Key key{r.app, r.identifier};
        if (core::scheduleOf(r.options) || records_.contains(key) || declared.contains(key))
            index.emplace(std::move(key), &r);
    }
    const auto pendingOf = [&](const Key& key) -> const core::TaskRequest* {
        const auto it = index.find(key);
        return it == index.end() ? nullptr : it->second;
    };
    ScheduleChanges changes;
    for (const auto& manifest : manifests_.all())
        for (const auto& schedule : manifest.schedules) {
            const Key key{manifest.id, schedule.identifier};
            if (auto request = keepDeclared(key.first, schedule, pendingOf(key), running(key.first, key.second), now))
                changes.submit.push_back(std::move(*request));
        }
    std::vector<Key> gone;
    for (const auto& [key, record] : records_) {
        const bool manifest = record.source == core::ScheduleSource::Manifest;
        if (manifest ? !declared.contains(key) : !pendingOf(key) && !running(key.first, key.second))
            gone.push_back(key);
    }
    for (const auto& key : gone) {
        if (records_.at(key).source == core::ScheduleSource::Manifest) {
            log()->info("Schedule {} of {} left its manifest; dropping it", key.second, key.first);
            if (pendingOf(key))
                changes.drop.push_back(key);
        }
        forget(key);
    }
    return changes;
}

void ScheduleKeeper::checkSubmit(const core::Manifest& app, const std::string& identifier) const
{
    if (app.scheduleFor(identifier))
        throw core::Error(core::ErrorCode::NotPermitted, "scheduled-in-manifest",
                          identifier + " is scheduled by the manifest of " + app.id +
                              "; bgtaskd submits its requests itself");
}

core::TaskRequest ScheduleKeeper::submitted(core::TaskRequest request, core::TimePoint now)
{
    const auto rules = core::scheduleOf(request.options);
    if (!rules && records_.empty() && cancelledRuns_.empty())
        return request;   // no schedule to end: most submits, without building the key's strings
    Key key{request.app, request.identifier};
    if (!rules) {
        if (records_.contains(key))
            log()->info("Schedule {} of {} ends: the app submitted it without repetition", key.second, key.first);
        forget(key);
        return request;
    }
    auto record = records_.contains(key) ? records_.at(key) : core::ScheduleRecord{key.first, key.second, {}, {}};
    record.source = core::ScheduleSource::App;
    const auto floor = request.options.earliestBeginDate.value_or(now);
    request.options.earliestBeginDate = std::max(floor, core::nextRunNotBefore(*rules, record.state, floor, seeds_()));
    if (!records_.contains(key) || records_.at(key) != record)
        put(std::move(record));
    return request;
}

std::optional<core::TaskRequest> ScheduleKeeper::cancelled(const std::string& app, const std::string& identifier,
                                                           bool pending, bool running, core::TimePoint now)
{
    Key key{app, identifier};
    const auto* schedule = manifestSchedule(app, identifier);
    if (!schedule) {
        if (records_.contains(key))
            log()->info("Schedule {} of {} ends: cancelled", identifier, app);
        forget(key);
        return std::nullopt;
    }
    if (running)
        cancelledRuns_.insert(key);
    if (!pending)
        return std::nullopt;
    auto record = records_.contains(key) ? records_.at(key) : core::ScheduleRecord{app, identifier, {}, {}};
    record.source = core::ScheduleSource::Manifest;
    record.state = core::advance(record.state, core::RunVerdict::Skipped, now);
    put(record);
    auto next = requestFor(app, *schedule, record.state, now);
    log()->info("Schedule {} of {}: cancelled, so this occurrence is skipped; the next is due {}", identifier, app,
                when(*next.options.earliestBeginDate, now));
    return next;
}

std::optional<core::TaskRequest> ScheduleKeeper::runEnded(const core::TaskRequest& consumed, core::Outcome outcome,
                                                          core::TimePoint at, const core::TaskRequest* pending)
{
    Key key{consumed.app, consumed.identifier};
    const bool cancelledRun = cancelledRuns_.erase(key) > 0;
    const auto it = records_.find(key);
    if (it == records_.end())
        return std::nullopt;   // no schedule, or one that was cancelled for good meanwhile
    const auto* manifest = it->second.source == core::ScheduleSource::Manifest
                               ? manifestSchedule(key.first, key.second) : nullptr;
    const auto& definition = pending ? *pending : consumed;
    const auto rules = manifest ? core::scheduleOf(manifest->options) : core::scheduleOf(definition.options);
    if (!rules)
        return std::nullopt;
    const auto verdict = core::verdictOf(outcome, cancelledRun);
    auto record = it->second;
    record.state = core::advance(record.state, verdict, at);
    if (!core::continuesAfter(*rules, verdict)) {
        if (verdict != core::RunVerdict::Unchanged && !rules->interval) {
            log()->info("Schedule {} of {} is done: its retried request ran ({})", key.second, key.first,
                        toString(verdict));
            forget(key);
        }
        return std::nullopt;
    }
    put(record);
    auto next = manifest ? requestFor(key.first, *manifest, record.state, at) : definition;
    if (!manifest)
        next.options.earliestBeginDate = core::nextRunNotBefore(*rules, record.state, at, seeds_());
    log()->info("Schedule {} of {}: run {} ({} in a row failed); next due {}", key.second, key.first,
                toString(verdict), record.state.failures, when(*next.options.earliestBeginDate, at));
    return next;
}

std::optional<ScheduleView> ScheduleKeeper::viewOf(const std::string& app, const std::string& identifier,
                                                   const core::TaskRequest* request, bool running) const
{
    const auto it = records_.find({app, identifier});
    if (it == records_.end())
        return std::nullopt;
    ScheduleView view;
    view.record = it->second;
    view.running = running;
    const auto* manifest = it->second.source == core::ScheduleSource::Manifest ? manifestSchedule(app, identifier)
                                                                                : nullptr;
    const core::RequestOptions* options = manifest ? &manifest->options : request ? &request->options : nullptr;
    const auto rules = options ? core::scheduleOf(*options) : std::nullopt;
    if (!rules)
        return std::nullopt;
    view.schedule = *rules;
    view.kind = manifest ? manifest->kind : request->kind;
    if (request && !running)
        view.nextRunNotBefore = request->options.earliestBeginDate;
    return view;
}

} // namespace bgtask::service
