// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Planner.h"

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <set>
#include <utility>

namespace bgtask::core {

namespace {

// ISO 8601 in UTC ("2026-11-28T10:00:00Z"), with microseconds only when there are any, so the
// reason bgtaskctl prints is exact without being noisy.
std::string formatUtc(TimePoint t)
{
    using namespace std::chrono;
    const auto day = floor<days>(t);
    const year_month_day date{day};
    const hh_mm_ss time{t - day};
    char text[64];
    const auto micros = time.subseconds().count();
    std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02lld", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                  static_cast<long long>(time.seconds().count()));
    std::string result = text;
    if (micros != 0) {
        std::snprintf(text, sizeof text, ".%06lld", static_cast<long long>(micros));
        result += text;
    }
    return result + "Z";
}

bool sameTask(const TaskRequest& a, const TaskRequest& b)
{
    return a.app == b.app && a.identifier == b.identifier;
}

// The moments at which a run changes state without anyone calling in; nullopt when the run
// has none in its current state.
std::optional<TimePoint> runMoment(const RunningTask& run)
{
    switch (run.state) {
    case RunState::Launching: return run.launchWindowEnd;
    case RunState::Running: return run.deadline;
    case RunState::Expiring: return run.graceEnd;
    }
    return std::nullopt;
}

std::vector<std::int64_t>& runList(Plan& plan, RunState state)
{
    switch (state) {
    case RunState::Launching: return plan.launchTimedOut;
    case RunState::Running: return plan.expire;
    case RunState::Expiring: break;
    }
    return plan.terminate;
}

void noteWakeup(Plan& plan, TimePoint moment, TimePoint now)
{
    if (moment > now && (!plan.nextWakeup || moment < *plan.nextWakeup))
        plan.nextWakeup = moment;
}

} // namespace

// A task is one-shot per identifier: while a run of it is active (even one still launching),
// a resubmitted request waits, so an app never has two tasks of one identifier at once.
// Continued processing ignores EarliestBeginDate (Apple uses "now"); for the other kinds the
// date is a floor, so "due" only means "may start", never "must start". Every blocker is
// listed so that explain shows all that must change; a waiting request has a known due time
// only when the date is all it waits for, since conditions change without notice.
Readiness evaluate(const TaskRequest& request, std::span<const RunningTask> running,
                   const SystemState& state, const GatingPolicy& policy, TimePoint now)
{
    Readiness result;
    const bool active = std::ranges::any_of(
        running, [&](const RunningTask& run) { return sameTask(run.request, request); });
    if (active)
        result.unmet.push_back(
            {"previous-run-active", "previous-run-active: a run of this identifier is still active"});
    const auto& earliest = request.options.earliestBeginDate;
    const bool early = request.kind != TaskKind::ContinuedProcessing && earliest && *earliest > now;
    if (early)
        result.unmet.push_back(
            {"earliest-begin-date", "earliest-begin-date: not before " + formatUtc(*earliest)});
    auto conditions = unmetConditions(request, state, policy);
    std::ranges::move(conditions, std::back_inserter(result.unmet));

    result.due = result.unmet.empty();
    if (!result.due)
        result.reason = result.unmet.front().reason;
    if (early && result.unmet.size() == 1)
        result.dueAt = *earliest;
    return result;
}

Readiness evaluate(const TaskRequest& request, std::span<const RunningTask> running, TimePoint now)
{
    return evaluate(request, running, favourableSystemState(), GatingPolicy{}, now);
}

// Requests launch in submission order (ids ascend with submission). Every deadline is reached
// at "now >= moment", so a wakeup scheduled for the moment itself acts on it; only moments
// strictly after now are candidates for the next wakeup. A run is acted on once per plan: one
// past its deadline expires for "time-limit" even if it also lost a condition, and a run being
// expired for a lost condition no longer needs a wakeup at its deadline.
Plan plan(std::span<const TaskRequest> pending, std::span<const RunningTask> running,
          const SystemState& state, const GatingPolicy& policy, TimePoint now)
{
    Plan result;

    // The same decision as evaluate(), without composing reason texts: plan() runs after every
    // batch of submits over every pending request, and formatting a date per request is what
    // made it expensive with thousands of requests waiting for their dates.
    std::vector<const TaskRequest*> due;
    for (const auto& request : pending) {
        if (std::ranges::any_of(running, [&](const RunningTask& run) { return sameTask(run.request, request); }))
            continue;
        const auto& earliest = request.options.earliestBeginDate;
        const bool early = request.kind != TaskKind::ContinuedProcessing && earliest && *earliest > now;
        if (!unmetConditions(request, state, policy).empty())
            continue;
        if (early)
            noteWakeup(result, *earliest, now);
        else
            due.push_back(&request);
    }
    // Ids are unique per (app, identifier) in the store; should two slip through, only the
    // older launches, since launching both would run one identifier twice at once.
    std::ranges::sort(due, {}, &TaskRequest::id);
    std::set<std::pair<std::string_view, std::string_view>> launched;
    for (const TaskRequest* request : due) {
        if (launched.emplace(request->app, request->identifier).second)
            result.launch.push_back(request->id);
    }

    for (const auto& run : running) {
        const auto moment = runMoment(run);
        if (moment && now >= *moment) {
            runList(result, run.state).push_back(run.runId);
        } else if (auto lost = lostCondition(run, state, policy)) {
            result.expireFor.emplace_back(run.runId, std::move(*lost));
        } else if (moment) {
            noteWakeup(result, *moment, now);
        }
    }
    std::ranges::sort(result.launchTimedOut);
    std::ranges::sort(result.expire);
    std::ranges::sort(result.terminate);
    std::ranges::sort(result.expireFor);
    return result;
}

Plan plan(std::span<const TaskRequest> pending, std::span<const RunningTask> running, TimePoint now)
{
    return plan(pending, running, favourableSystemState(), GatingPolicy{}, now);
}

} // namespace bgtask::core
