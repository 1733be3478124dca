// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Planner.h"

#include "NetworkCoalescing.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <limits>
#include <set>
#include <string_view>
#include <utility>

namespace bgtask::core {

namespace {

// Writes n in decimal, zero-padded to at least `width` digits; returns the end.
char* putDigits(char* out, std::uint64_t n, int width)
{
    char digits[20];
    int count = 0;
    do {
        digits[count++] = static_cast<char>('0' + n % 10);
        n /= 10;
    } while (n != 0);
    for (; width > count; --width)
        *out++ = '0';
    while (count > 0)
        *out++ = digits[--count];
    return out;
}

} // namespace

// ISO 8601 in UTC ("2026-11-28T10:00:00Z"), with microseconds only when there are any, so the
// reason bgtaskctl prints is exact without being noisy. Digit by digit: a reason is formatted on
// every submit with a date (the earliest-begin-date blocker), and snprintf cost 4,700 of the
// 126,000 instructions of a lone submit; this costs a few hundred.
// The text is what printf's "%04d-%02u-%02uT%02d:%02d:%02lld" and ".%06lld" wrote.
std::string formatUtc(TimePoint t)
{
    using namespace std::chrono;
    const auto day = floor<days>(t);
    const year_month_day date{day};
    const hh_mm_ss time{t - day};
    char text[48];
    char* out = text;
    const long long year = static_cast<int>(date.year());
    if (year < 0)
        *out++ = '-';   // %04d counts the sign in the width
    out = putDigits(out, static_cast<std::uint64_t>(year < 0 ? -year : year), year < 0 ? 3 : 4);
    *out++ = '-';
    out = putDigits(out, static_cast<unsigned>(date.month()), 2);
    *out++ = '-';
    out = putDigits(out, static_cast<unsigned>(date.day()), 2);
    *out++ = 'T';
    out = putDigits(out, static_cast<std::uint64_t>(time.hours().count()), 2);
    *out++ = ':';
    out = putDigits(out, static_cast<std::uint64_t>(time.minutes().count()), 2);
    *out++ = ':';
    out = putDigits(out, static_cast<std::uint64_t>(time.seconds().count()), 2);
    if (const auto micros = time.subseconds().count(); micros != 0) {
        *out++ = '.';
        out = putDigits(out, static_cast<std::uint64_t>(micros), 6);
    }
    *out++ = 'Z';
    return std::string(text, out);
}

namespace {

bool sameTask(const TaskRequest& a, const TaskRequest& b)
{
    return a.app == b.app && a.identifier == b.identifier;
}

bool isActive(const TaskRequest& request, std::span<const RunningTask> running)
{
    return std::ranges::any_of(running, [&](const RunningTask& run) { return sameTask(run.request, request); });
}

bool policyAllows(const TaskRequest& request, const PolicyTable& policy)
{
    const auto setting = settingFor(request.kind);
    return !setting || policy.decide(request.app, *setting).status == PolicyStatus::Available;
}

std::optional<TimePoint> earliestEnd(const TaskRequest& request, TimePoint now)
{
    const auto& earliest = request.options.earliestBeginDate;
    if (request.kind == TaskKind::ContinuedProcessing || !earliest || *earliest <= now)
        return std::nullopt;
    return earliest;
}

std::optional<TimePoint> latest(std::optional<TimePoint> a, std::optional<TimePoint> b)
{
    return !a || (b && *b > *a) ? b : a;
}

const UsagePattern* patternOf(const Scheduling& scheduling, std::string_view app)
{
    const auto it = scheduling.patterns.find(app);
    return it == scheduling.patterns.end() ? nullptr : &it->second;
}

std::optional<TimePoint> usageEnd(const TaskRequest& request, const Scheduling& scheduling, TimePoint now)
{
    return usageWindowStart(request, patternOf(scheduling, request.app), scheduling.limits.usage, dueSince(request),
                            now, scheduling.utcOffset);
}

// The next attempt of a request whose last launch did not reach its app (Reachability.h).
std::optional<TimePoint> unreachableEnd(const TaskRequest& request, TimePoint now)
{
    if (!request.unreachable || request.unreachable->retryAt <= now)
        return std::nullopt;
    return request.unreachable->retryAt;
}

// The moment a request waiting only for time may launch: the latest of its earliest begin date,
// its next attempt after an unreachable launch, the end of its refresh spacing, the reset of a
// spent budget and the start of its usage window;
// nullopt when none holds it.
std::optional<TimePoint> timedEnd(const TaskRequest& request, const Scheduling& scheduling, TimePoint now)
{
    auto end = latest(earliestEnd(request, now), refreshSpacingEnd(request, scheduling, now));
    end = latest(end, unreachableEnd(request, now));
    if (dailyBudgetSpent(request, scheduling))
        end = latest(end, scheduling.budgetResetsAt);
    return latest(end, usageEnd(request, scheduling, now));
}

Unmet usageBlocker(const TaskRequest& request, const Scheduling& scheduling, TimePoint now)
{
    const UsagePattern& pattern = *patternOf(scheduling, request.app);
    const auto use = predictNextUse(pattern, scheduling.limits.usage, now, scheduling.utcOffset);
    return {kBlockerUsageWindow, usageWindowReason(*use, pattern.opens, scheduling.utcOffset)};
}

// Active runs per pool of slots, whatever their state: a run holds its slot from launch to end.
struct Occupancy {
    std::size_t scheduled = 0;
    std::size_t continued = 0;
};

Occupancy occupancyOf(std::span<const RunningTask> running)
{
    Occupancy occupancy;
    for (const auto& run : running)
        ++(isScheduledKind(run.request.kind) ? occupancy.scheduled : occupancy.continued);
    return occupancy;
}

std::size_t freeSlots(std::size_t taken, std::size_t limit)
{
    return taken < limit ? limit - taken : 0;
}

// Whole minutes ("62 min"), or whole seconds below a minute ("45 s") so that a small budget
// does not read "0 of its 0".
std::string durationText(Duration d)
{
    using namespace std::chrono;
    if (d >= minutes(1))
        return std::to_string(duration_cast<minutes>(d).count()) + " min";
    return std::to_string(duration_cast<seconds>(d).count()) + " s";
}

Unmet spacingBlocker(const TaskRequest& request, const Scheduling& scheduling, TimePoint end)
{
    const TimePoint last = end - scheduling.limits.refreshSpacing;
    return {kBlockerRefreshSpacing, std::string(kBlockerRefreshSpacing) + ": " + request.app +
                                        " launched a refresh at " + formatUtc(last) +
                                        "; the next not before " + formatUtc(end)};
}

Unmet budgetBlocker(const TaskRequest& request, const Scheduling& scheduling)
{
    const AppUsage* usage = usageOf(scheduling, request.app);
    const Duration used = usage ? usage->charged(scheduling.limits) : Duration{0};
    return {kBlockerDailyBudget,
            std::string(kBlockerDailyBudget) + ": " + request.app + " has used " + durationText(used) +
                " of its " + durationText(scheduling.limits.dailyBudget) +
                " of background time today; the budget resets at " + formatUtc(scheduling.budgetResetsAt)};
}

Unmet concurrencyBlocker(std::size_t running, std::size_t limit)
{
    const char* tasks = running == 1 ? " background task is running" : " background tasks are running";
    return {kBlockerConcurrencyLimit, std::string(kBlockerConcurrencyLimit) + ": " + std::to_string(running) +
                                          tasks + " (limit " + std::to_string(limit) + ")"};
}

Unmet queueBlocker(std::size_t position, std::size_t running, std::size_t limit)
{
    return {kBlockerContinuedQueue, std::string(kBlockerContinuedQueue) + ": position " +
                                        std::to_string(position) + " in the queue; " + std::to_string(running) +
                                        " of " + std::to_string(limit) + " continued-processing slots are taken"};
}

// Every blocker but the slots, in the order Readiness documents, and the due time when all of
// them end at known moments.
Readiness readinessBeforeSlots(const TaskRequest& request, std::span<const RunningTask> running,
                               const SystemState& state, const GatingPolicy& gating,
                               const PolicyTable& policy, const Scheduling& scheduling, TimePoint now,
                               Reasons reasons)
{
    const bool texts = reasons == Reasons::Compose;
    Readiness result;
    if (isActive(request, running))
        result.unmet.push_back(
            {"previous-run-active", texts ? "previous-run-active: a run of this identifier is still active" : ""});
    if (auto blocker = policyBlocker(request, policy)) {
        if (!texts)
            blocker->reason.clear();
        result.unmet.push_back(std::move(*blocker));
    }
    const bool untimed = !result.unmet.empty();
    if (const auto early = earliestEnd(request, now))
        result.unmet.push_back(
            {"earliest-begin-date", texts ? "earliest-begin-date: not before " + formatUtc(*early) : std::string()});
    if (const auto retry = unreachableEnd(request, now))
        result.unmet.push_back(
            {kBlockerAppUnreachable, texts ? unreachableReason(*request.unreachable) + "; next attempt at " +
                                                 formatUtc(*retry)
                                           : std::string()});
    auto conditions = unmetConditions(request, state, gating);
    const bool unmetCondition = !conditions.empty();
    if (!texts)
        for (auto& condition : conditions)
            condition.reason.clear();
    std::ranges::move(conditions, std::back_inserter(result.unmet));
    if (const auto spacing = refreshSpacingEnd(request, scheduling, now))
        result.unmet.push_back(texts ? spacingBlocker(request, scheduling, *spacing)
                                     : Unmet{kBlockerRefreshSpacing, {}});
    if (dailyBudgetSpent(request, scheduling))
        result.unmet.push_back(texts ? budgetBlocker(request, scheduling) : Unmet{kBlockerDailyBudget, {}});
    if (usageEnd(request, scheduling, now))
        result.unmet.push_back(texts ? usageBlocker(request, scheduling, now) : Unmet{kBlockerUsageWindow, {}});
    if (!untimed && !unmetCondition)
        result.dueAt = timedEnd(request, scheduling, now);
    return result;
}

// The groups the network requests will launch in if nothing changes: the earliest moment one
// of them launches on its own (now, or its due time) leads, and those held only by an earliest
// begin date within the window after it join it; the next one left leads the next group. A
// member learns its group's moment as its due time and why.
void addCoalescing(std::span<const TaskRequest> pending, std::vector<Readiness>& readiness,
                   const Scheduling& scheduling, TimePoint now, Reasons reasons)
{
    const Duration window = scheduling.limits.networkCoalesceWindow;
    if (window <= Duration{0})
        return;
    std::vector<std::pair<TimePoint, std::size_t>> moments;   // (launch moment, index)
    for (std::size_t i = 0; i < pending.size(); ++i) {
        if (!coalescesOnNetwork(pending[i]))
            continue;
        if (readiness[i].unmet.empty())
            moments.emplace_back(now, i);
        else if (readiness[i].dueAt)
            moments.emplace_back(*readiness[i].dueAt, i);
    }
    std::ranges::sort(moments);
    const auto onlyDate = [&](std::size_t i) {
        return readiness[i].unmet.size() == 1 && readiness[i].unmet.front().condition == "earliest-begin-date";
    };
    std::vector<bool> grouped(moments.size(), false);
    for (std::size_t first = 0; first < moments.size(); ++first) {
        if (grouped[first])
            continue;
        const TimePoint leader = moments[first].first;
        std::size_t size = 0;
        std::vector<std::size_t> joining;
        for (std::size_t k = first; k < moments.size() && moments[k].first - leader <= window; ++k) {
            const bool joins = onlyDate(moments[k].second) && joinsGroup(moments[k].first, leader, window);
            if (grouped[k] || (moments[k].first != leader && !joins))
                continue;
            grouped[k] = true;
            ++size;
            if (joins)
                joining.push_back(moments[k].second);
        }
        for (const std::size_t i : joining) {
            if (reasons == Reasons::Compose)
                readiness[i].unmet.front().reason += "; " + coalescedText(size - 1, leader);
            readiness[i].dueAt = leader;
        }
    }
}

// The requests of the scheduled kinds that wait for nothing but slots stand in the governor's
// line while catching up; those past the quota wait for "catch-up" with their place in it.
void addCatchUpBlockers(std::span<const TaskRequest> pending, std::vector<Readiness>& readiness,
                        const Scheduling& scheduling, TimePoint now, Reasons reasons)
{
    const auto& limits = scheduling.limits.catchUp;
    std::vector<const TaskRequest*> line;
    for (std::size_t i = 0; i < pending.size(); ++i)
        if (isScheduledKind(pending[i].kind) && readiness[i].unmet.empty())
            line.push_back(&pending[i]);
    const auto catchUp = governingCatchUp(scheduling.catchUp, limits, line.size(), now);
    const std::size_t quota = catchUpQuota(catchUp, limits, now);
    if (line.size() <= quota)
        return;
    sortCatchUpLine(line);
    for (std::size_t place = quota; place < line.size(); ++place) {
        auto& r = readiness[static_cast<std::size_t>(line[place] - pending.data())];
        r.unmet.push_back(
            {kBlockerCatchUp, reasons == Reasons::Compose ? catchUpReason(place + 1, catchUp, limits) : std::string()});
        r.dueAt.reset();
    }
}

// A continued-processing request's place in the queue counts only the earlier ones that wait
// for nothing but a slot: one held by its gpu or its policy would not take a slot that freed,
// so it does not stand in front. A request waiting for a slot has no known due time.
void addSlotBlockers(std::span<const TaskRequest> pending, std::vector<Readiness>& readiness,
                     Occupancy occupancy, const FairnessLimits& limits, Reasons reasons)
{
    const bool texts = reasons == Reasons::Compose;
    std::vector<std::int64_t> queued;
    for (std::size_t i = 0; i < pending.size(); ++i) {
        if (pending[i].kind == TaskKind::ContinuedProcessing && readiness[i].unmet.empty())
            queued.push_back(pending[i].id);
    }
    std::ranges::sort(queued);
    const std::size_t freeContinued = freeSlots(occupancy.continued, limits.maxConcurrentContinued);
    for (std::size_t i = 0; i < pending.size(); ++i) {
        std::optional<Unmet> blocker;
        if (isScheduledKind(pending[i].kind)) {
            if (occupancy.scheduled >= limits.maxConcurrentTasks)
                blocker = texts ? concurrencyBlocker(occupancy.scheduled, limits.maxConcurrentTasks)
                                : Unmet{kBlockerConcurrencyLimit, {}};
        } else {
            const auto ahead = std::ranges::lower_bound(queued, pending[i].id) - queued.begin();
            const auto position = static_cast<std::size_t>(ahead) + 1;
            if (position > freeContinued)
                blocker = texts ? queueBlocker(position, occupancy.continued, limits.maxConcurrentContinued)
                                : Unmet{kBlockerContinuedQueue, {}};
        }
        if (blocker) {
            readiness[i].unmet.push_back(std::move(*blocker));
            readiness[i].dueAt.reset();
        }
    }
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

// Only a running continued-processing task can stall: one still launching has had no chance to
// report progress, and one expiring is already on its way out.
std::optional<TimePoint> stallMoment(const RunningTask& run)
{
    if (run.state != RunState::Running || run.request.kind != TaskKind::ContinuedProcessing)
        return std::nullopt;
    return run.stallDeadline;
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

// A run is acted on once per plan, the time limit first: one past its deadline expires for
// "time-limit" even if it also lost a condition or stalled, and a run being expired for any
// reason no longer needs a wakeup.
void planRun(Plan& result, const RunningTask& run, const SystemState& state, const GatingPolicy& gating,
             TimePoint now)
{
    const auto moment = runMoment(run);
    const auto stall = stallMoment(run);
    if (moment && now >= *moment) {
        runList(result, run.state).push_back(run.runId);
    } else if (auto lost = lostCondition(run, state, gating)) {
        result.expireFor.emplace_back(run.runId, std::move(*lost));
    } else if (stall && now >= *stall) {
        result.expireFor.emplace_back(run.runId, kExpireStalled);
    } else {
        if (moment)
            noteWakeup(result, *moment, now);
        if (stall)
            noteWakeup(result, *stall, now);
    }
}

// The requests plan() may launch now, by pool of slots.
struct DueRequests {
    std::vector<const TaskRequest*> scheduled;
    std::vector<const TaskRequest*> continued;
    // Network requests held only by an earliest begin date within the coalescing window: they
    // launch now if another network request does.
    std::vector<const TaskRequest*> coalescible;
};

// Held by its earliest begin date alone (no spacing, no spent budget), which ends within the
// coalescing window.
bool coalescibleNow(const TaskRequest& request, const Scheduling& scheduling, TimePoint end, TimePoint now)
{
    return coalescesOnNetwork(request) && earliestEnd(request, now) == end &&
           !refreshSpacingEnd(request, scheduling, now) && !dailyBudgetSpent(request, scheduling) &&
           joinsGroup(end, now, scheduling.limits.networkCoalesceWindow);
}

// The same decision as evaluateAll(), without composing reason texts: plan() runs after every
// batch of submits over every pending request, and formatting a date per request is what
// made it expensive with thousands of requests waiting for their dates. A request waiting only
// for time wakes the planner when its time comes, unless its slots are full: then the end of a
// run re-plans first.
DueRequests collectDue(Plan& result, std::span<const TaskRequest* const> pending,
                       std::span<const RunningTask> running, const SystemState& state, const GatingPolicy& gating,
                       const PolicyTable& policy, const Scheduling& scheduling, bool scheduledFull, TimePoint now)
{
    DueRequests due;
    for (const TaskRequest* candidate : pending) {
        const TaskRequest& request = *candidate;
        if (isActive(request, running) || !policyAllows(request, policy) ||
            !unmetConditions(request, state, gating).empty())
            continue;
        const bool scheduled = isScheduledKind(request.kind);
        if (const auto end = timedEnd(request, scheduling, now)) {
            if (!(scheduled && scheduledFull))
                noteWakeup(result, *end, now);
            if (coalescibleNow(request, scheduling, *end, now))
                due.coalescible.push_back(&request);
            continue;
        }
        (scheduled ? due.scheduled : due.continued).push_back(&request);
    }
    return due;
}

// While catching up, only the head of the line (as long as the quota, and no longer than the
// free slots, so that the line's order and not the rotation between apps decides) is offered
// to the slots; the rest wait until the window makes room again.
std::size_t governCatchUp(Plan& result, std::vector<const TaskRequest*>& due, const Scheduling& scheduling,
                          std::size_t slots, TimePoint now)
{
    const auto& limits = scheduling.limits.catchUp;
    const auto catchUp = governingCatchUp(scheduling.catchUp, limits, due.size(), now);
    if (!scheduling.catchUp.active() && catchUp.active())
        result.catchUpBegins = catchUp.cause;
    const std::size_t quota = catchUpQuota(catchUp, limits, now);
    if (quota == std::numeric_limits<std::size_t>::max())
        return quota;
    sortCatchUpLine(due);
    if (due.size() > quota)
        result.catchUpHeld = due.size() - quota;
    due.resize(std::min({due.size(), quota, slots}));
    if (result.catchUpHeld > 0) {
        if (const auto reopens = catchUpReopens(catchUp, limits, now))
            noteWakeup(result, *reopens, now);
    }
    return quota;
}

// Once a network request launches, the coalescible ones take what is left of the slots and of
// the catch-up quota (never a second refresh of an app while there is spacing). The network
// requests of the scheduled kinds launched by this plan, when two or more, are one group.
void coalesce(Plan& result, std::span<const TaskRequest* const> pending, std::vector<const TaskRequest*> coalescible,
              const Scheduling& scheduling, std::size_t room)
{
    std::vector<const TaskRequest*> launched;
    for (const auto id : result.launch)
        launched.push_back(*std::ranges::find(pending, id, [](const TaskRequest* r) { return r->id; }));
    const auto network = [](const TaskRequest* r) { return coalescesOnNetwork(*r); };
    if (std::ranges::none_of(launched, network))
        return;
    if (scheduling.limits.refreshSpacing > Duration{0}) {
        std::erase_if(coalescible, [&](const TaskRequest* c) {
            return c->kind == TaskKind::AppRefresh && std::ranges::any_of(launched, [&](const TaskRequest* l) {
                       return l->app == c->app && l->kind == TaskKind::AppRefresh;
                   });
        });
    }
    for (const TaskRequest* request : takeSlotsInTurn(coalescible, scheduling, room)) {
        result.launch.push_back(request->id);
        launched.push_back(request);
    }
    std::erase_if(launched, [&](const TaskRequest* r) { return !network(r); });
    if (launched.size() < 2)
        return;
    for (const TaskRequest* request : launched)
        result.coalesced.push_back(request->id);
}

// First come, first served: the user started each of these and waits for them in order. Ids
// are unique per (app, identifier) in the store; should two slip through, only the older
// launches, since launching both would run one identifier twice at once.
void launchContinued(Plan& result, std::vector<const TaskRequest*> due, std::size_t slots)
{
    std::ranges::sort(due, {}, &TaskRequest::id);
    std::set<std::pair<std::string_view, std::string_view>> launched;
    for (const TaskRequest* request : due) {
        if (launched.size() == slots)
            break;
        if (launched.emplace(request->app, request->identifier).second)
            result.launch.push_back(request->id);
    }
}

} // namespace

// Continued processing ignores EarliestBeginDate (Apple uses "now"); for the other kinds the
// date is a floor, so "due" only means "may start", never "must start". Every blocker is
// listed so that explain shows all that must change; a waiting request has a known due time
// only when it waits for nothing but time, since conditions change without notice and slots
// free when runs end.
std::vector<Readiness> evaluateAll(std::span<const TaskRequest> pending, std::span<const RunningTask> running,
                                   const SystemState& state, const GatingPolicy& gating,
                                   const PolicyTable& policy, const Scheduling& scheduling, TimePoint now,
                                   Reasons reasons)
{
    std::vector<Readiness> result;
    result.reserve(pending.size());
    for (const auto& request : pending)
        result.push_back(readinessBeforeSlots(request, running, state, gating, policy, scheduling, now, reasons));
    addCoalescing(pending, result, scheduling, now, reasons);
    addCatchUpBlockers(pending, result, scheduling, now, reasons);
    addSlotBlockers(pending, result, occupancyOf(running), scheduling.limits, reasons);
    for (auto& readiness : result) {
        readiness.due = readiness.unmet.empty();
        if (!readiness.due && reasons == Reasons::Compose)
            readiness.reason = readiness.unmet.front().reason;
    }
    return result;
}

// A task is one-shot per identifier: while a run of it is active (even one still launching),
// a resubmitted request waits, so an app never has two tasks of one identifier at once.
Readiness evaluate(const TaskRequest& request, std::span<const RunningTask> running,
                   const SystemState& state, const GatingPolicy& policy, TimePoint now)
{
    return evaluateAll(std::span(&request, 1), running, state, policy, PolicyTable{}, Scheduling{}, now).front();
}

Readiness evaluate(const TaskRequest& request, std::span<const RunningTask> running, TimePoint now)
{
    return evaluate(request, running, favourableSystemState(), GatingPolicy{}, now);
}

// Every deadline is reached at "now >= moment", so a wakeup scheduled for the moment itself
// acts on it; only moments strictly after now are candidates for the next wakeup. The launch
// list holds the scheduled kinds in their round-robin order, then continued processing in
// FIFO order; the service starts a plan's launches in one go, so neither pool waits for the
// other.
namespace {

// plan() over the requests given, which must include every request that may launch now or
// coalesce with one that does (PendingSet::candidates()), in submission order.
Plan planOver(std::span<const TaskRequest* const> pending, std::span<const RunningTask> running,
              const SystemState& state, const GatingPolicy& gating, const PolicyTable& policy,
              const Scheduling& scheduling, TimePoint now)
{
    Plan result;
    const Occupancy occupancy = occupancyOf(running);
    const auto& limits = scheduling.limits;
    const std::size_t freeScheduled = freeSlots(occupancy.scheduled, limits.maxConcurrentTasks);
    auto due = collectDue(result, pending, running, state, gating, policy, scheduling, freeScheduled == 0, now);
    const std::size_t quota = governCatchUp(result, due.scheduled, scheduling, freeScheduled, now);
    for (const TaskRequest* request : takeSlotsInTurn(due.scheduled, scheduling, freeScheduled))
        result.launch.push_back(request->id);
    const std::size_t room = std::min(freeScheduled, quota);
    coalesce(result, pending, std::move(due.coalescible), scheduling, room - std::min(room, result.launch.size()));
    launchContinued(result, std::move(due.continued), freeSlots(occupancy.continued, limits.maxConcurrentContinued));

    for (const auto& run : running)
        planRun(result, run, state, gating, now);
    std::ranges::sort(result.launchTimedOut);
    std::ranges::sort(result.expire);
    std::ranges::sort(result.terminate);
    std::ranges::sort(result.expireFor);
    return result;
}

} // namespace

Plan plan(std::span<const TaskRequest> pending, std::span<const RunningTask> running,
          const SystemState& state, const GatingPolicy& gating, const PolicyTable& policy,
          const Scheduling& scheduling, TimePoint now)
{
    std::vector<const TaskRequest*> all;
    all.reserve(pending.size());
    for (const auto& request : pending)
        all.push_back(&request);
    return planOver(all, running, state, gating, policy, scheduling, now);
}

// The requests left out wait for a condition of their bucket (the full plan skips them without
// a wake-up too) or are held beyond the horizon: the full plan would wake at the latest of
// their timed blockers, this one wakes at the first held moment, which is never later; the
// wake-up finds them ripe and looks at them in full.
Plan plan(const PendingSet& pending, std::span<const RunningTask> running, const SystemState& state,
          const GatingPolicy& gating, const PolicyTable& policy, const Scheduling& scheduling, TimePoint now)
{
    const TimePoint horizon = now + std::max(scheduling.limits.networkCoalesceWindow, Duration{0});
    const auto candidates = pending.candidates(state, gating, horizon);
    Plan result = planOver(candidates, running, state, gating, policy, scheduling, now);
    if (const auto held = pending.nextHeldAfter(horizon))
        noteWakeup(result, *held, now);
    return result;
}

Plan plan(std::span<const TaskRequest> pending, std::span<const RunningTask> running,
          const SystemState& state, const GatingPolicy& policy, TimePoint now)
{
    return plan(pending, running, state, policy, PolicyTable{}, Scheduling{}, now);
}

Plan plan(std::span<const TaskRequest> pending, std::span<const RunningTask> running, TimePoint now)
{
    return plan(pending, running, favourableSystemState(), GatingPolicy{}, now);
}

} // namespace bgtask::core
