// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Fairness.h"

#include "RunUsage.h"

#include <algorithm>
#include <limits>
#include <set>
#include <tuple>

namespace bgtask::core {

namespace {

// One app's place in the rotation: its due requests, oldest first, and how far it got.
struct Turn {
    std::string_view app;
    std::optional<TimePoint> lastLaunch;
    std::vector<const TaskRequest*> due;
    std::size_t next = 0;
    bool refreshLaunched = false;
    std::set<std::string_view> identifiers;   // launched in this plan
};

// Never-launched apps sort first (false < true), then the longest-waiting; an app's oldest
// due request breaks ties, so equal apps keep submission order.
bool goesBefore(const Turn& a, const Turn& b)
{
    return std::tuple(a.lastLaunch.has_value(), a.lastLaunch, a.due.front()->id) <
           std::tuple(b.lastLaunch.has_value(), b.lastLaunch, b.due.front()->id);
}

std::vector<Turn> turnsOf(std::span<const TaskRequest* const> due, const Scheduling& scheduling)
{
    std::vector<const TaskRequest*> sorted(due.begin(), due.end());
    std::ranges::sort(sorted, [](const TaskRequest* a, const TaskRequest* b) {
        return std::tie(a->app, a->id) < std::tie(b->app, b->id);
    });
    std::vector<Turn> turns;
    for (const TaskRequest* request : sorted) {
        if (turns.empty() || turns.back().app != request->app) {
            const AppUsage* usage = usageOf(scheduling, request->app);
            turns.push_back({request->app, usage ? usage->lastLaunch : std::nullopt, {}, 0, false, {}});
        }
        turns.back().due.push_back(request);
    }
    std::ranges::sort(turns, goesBefore);
    return turns;
}

// The app's oldest request it may still launch in this plan, taken; nullptr when none is left.
// Skipped requests stay skipped: what bars them holds for the whole plan.
const TaskRequest* take(Turn& turn, bool spacing)
{
    while (turn.next < turn.due.size()) {
        const TaskRequest* request = turn.due[turn.next++];
        const bool refresh = request->kind == TaskKind::AppRefresh;
        if (refresh && spacing && turn.refreshLaunched)
            continue;
        if (!turn.identifiers.insert(request->identifier).second)
            continue;
        turn.refreshLaunched = turn.refreshLaunched || refresh;
        return request;
    }
    return nullptr;
}

} // namespace

// Zero spacing, budget and penalty switch those rules off, and no count of runs reaches
// SIZE_MAX: the planner then decides exactly as it did before fairness existed.
FairnessLimits FairnessLimits::unlimited()
{
    FairnessLimits limits;
    limits.maxConcurrentTasks = std::numeric_limits<std::size_t>::max();
    limits.maxConcurrentContinued = std::numeric_limits<std::size_t>::max();
    limits.refreshSpacing = Duration{0};
    limits.dailyBudget = Duration{0};
    limits.terminationPenalty = Duration{0};
    limits.catchUp = CatchUpLimits{};
    limits.networkCoalesceWindow = Duration{0};
    limits.usage.learn = false;
    return limits;
}

// A terminated run cost the system a grace period and a kill on top of its run time; the
// penalty makes an app that ignores expiration run out of budget sooner.
Duration AppUsage::charged(const FairnessLimits& limits) const
{
    return runTime + static_cast<Duration::rep>(terminations) * limits.terminationPenalty;
}

const AppUsage* usageOf(const Scheduling& scheduling, std::string_view app)
{
    const auto it = scheduling.usage.find(app);
    return it == scheduling.usage.end() ? nullptr : &it->second;
}

// Zero spacing is no spacing, even for a last launch stamped in the future by a clock that
// was later set back.
std::optional<TimePoint> refreshSpacingEnd(const TaskRequest& request, const Scheduling& scheduling,
                                           TimePoint now)
{
    const Duration spacing = scheduling.limits.refreshSpacing;
    if (request.kind != TaskKind::AppRefresh || spacing <= Duration{0})
        return std::nullopt;
    const AppUsage* usage = usageOf(scheduling, request.app);
    if (!usage || !usage->lastRefreshLaunch)
        return std::nullopt;
    const TimePoint end = *usage->lastRefreshLaunch + spacing;
    return end > now ? std::optional(end) : std::nullopt;
}

// Continued processing is the user's own work, started by them, so it is never charged.
bool dailyBudgetSpent(const TaskRequest& request, const Scheduling& scheduling)
{
    const Duration budget = scheduling.limits.dailyBudget;
    if (!isScheduledKind(request.kind) || budget <= Duration{0})
        return false;
    const AppUsage* usage = usageOf(scheduling, request.app);
    return usage && usage->charged(scheduling.limits) >= budget;
}

// One request per app per round keeps an app that floods the queue from starving the others:
// each app gets a slot before any gets a second. The one-refresh rule mirrors the spacing,
// which is measured from launches the store has not yet seen while this plan is made.
std::vector<const TaskRequest*> takeSlotsInTurn(std::span<const TaskRequest* const> due,
                                                const Scheduling& scheduling, std::size_t slots)
{
    const bool spacing = scheduling.limits.refreshSpacing > Duration{0};
    std::vector<Turn> turns = turnsOf(due, scheduling);
    std::vector<const TaskRequest*> taken;
    while (taken.size() < slots && !turns.empty()) {
        for (Turn& turn : turns) {
            if (taken.size() == slots)
                break;
            if (const TaskRequest* request = take(turn, spacing))
                taken.push_back(request);
        }
        std::erase_if(turns, [](const Turn& turn) { return turn.next == turn.due.size(); });
    }
    return taken;
}

void recordLaunch(Scheduling& scheduling, const TaskRequest& request, TimePoint at, bool simulated)
{
    if (simulated || !isScheduledKind(request.kind))
        return;
    if (scheduling.catchUp.active()) {
        // Only the launches inside the window count; older ones are dropped as new ones come.
        auto& launches = scheduling.catchUp.launches;
        std::erase_if(launches, [&](TimePoint t) { return t <= at - scheduling.limits.catchUp.window; });
        launches.push_back(at);
    }
    auto& usage = scheduling.usage[request.app];
    usage.lastLaunch = at;
    if (request.kind == TaskKind::AppRefresh)
        usage.lastRefreshLaunch = at;
}

// Background time is what the scheduled kinds cost; the user's own continued processing and a
// developer's simulated runs are free, as are runs that never got going or that the daemon
// itself cut short. The same rule as Store::loadUsage, which rebuilds the usage at start.
bool chargedToBudget(const RunningTask& run, Outcome outcome)
{
    return isScheduledKind(run.request.kind) && !run.simulated && outcome != Outcome::LaunchFailed &&
           outcome != Outcome::Interrupted;
}

void chargeRun(Scheduling& scheduling, const RunningTask& run, Outcome outcome, TimePoint endedAt,
               std::optional<std::int64_t> cpuNsec)
{
    if (!chargedToBudget(run, outcome))
        return;
    auto& usage = scheduling.usage[run.request.app];
    usage.runTime += budgetCharge(run.startedAt, endedAt, cpuNsec);
    if (outcome == Outcome::Terminated)
        ++usage.terminations;
}

} // namespace bgtask::core
