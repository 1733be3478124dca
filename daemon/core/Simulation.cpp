// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Simulation.h"

#include "CatchUp.h"
#include "NetworkCoalescing.h"
#include "PendingSet.h"
#include "Planner.h"

#include <algorithm>
#include <unordered_map>

namespace bgtask::core {

std::string_view toString(SimulationEvent::Type type)
{
    switch (type) {
    case SimulationEvent::Type::State: return "state";
    case SimulationEvent::Type::Launch: return "launch";
    case SimulationEvent::Type::Wait: return "wait";
    case SimulationEvent::Type::End: return "end";
    case SimulationEvent::Type::Resubmit: return "resubmit";
    }
    return "unknown";
}

std::map<TaskKey, Duration> usualDurations(std::span<const RunRecord> history)
{
    std::map<TaskKey, std::vector<Duration>> recent;
    for (const auto& run : history) {
        if (run.outcome != Outcome::Completed || run.simulated || !run.endedAt || *run.endedAt < run.startedAt)
            continue;
        auto& times = recent[{run.app, run.identifier}];
        if (times.size() < kUsualDurationRuns)
            times.push_back(*run.endedAt - run.startedAt);
    }
    std::map<TaskKey, Duration> out;
    for (auto& [key, times] : recent) {
        std::ranges::sort(times);
        const auto n = times.size();
        out[key] = n % 2 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
    }
    return out;
}

namespace {

using Type = SimulationEvent::Type;

// The fixed length of a simulated budget day (see the header).
constexpr Duration kBudgetDay = std::chrono::hours(24);
// Passes at one moment before the clock moves on whatever the planner says: each pass that acts
// launches or ends something, so this is only a guard against a planner that keeps acting.
constexpr int kMaxPassesPerMoment = 64;
const std::string kNoBlocker;

SimulationEvent eventOf(Type type, TimePoint at, const TaskRequest* request, std::string reason)
{
    SimulationEvent e;
    e.at = at;
    e.type = type;
    if (request) {
        e.app = request->app;
        e.identifier = request->identifier;
        e.kind = request->kind;
    }
    e.reason = std::move(reason);
    return e;
}

struct SimRun {
    RunningTask task;
    TimePoint expectedEnd{};
};

class Simulator {
public:
    Simulator(SimulationInput input, const SimulationOptions& options)
        : in_(std::move(input)), options_(options), state_(in_.state), scheduling_(in_.scheduling),
          pending_(in_.pending)
    {
        for (const auto& r : in_.pending)
            nextRequestId_ = std::max(nextRequestId_, r.id + 1);
        sorted_ = in_.pending;
        std::ranges::sort(sorted_, {}, &TaskRequest::id);
        for (const auto& run : in_.running) {
            nextRunId_ = std::max(nextRunId_, run.runId + 1);
            SimRun sim{run, std::max(options_.now, run.startedAt + usualOf(run.request))};
            if (sim.task.state == RunState::Launching)
                sim.task.state = RunState::Running;   // assumed to reach its app (see the header)
            if (sim.task.state == RunState::Expiring)
                sim.expectedEnd = std::max(options_.now, std::min(sim.expectedEnd, sim.task.graceEnd.value_or(options_.now)));
            runs_.push_back(std::move(sim));
        }
    }

    SimulationResult run()
    {
        const auto end = options_.now + std::min(options_.span, kMaxSimulationSpan);
        auto t = options_.now;
        for (std::size_t work = 0; !result_.truncated; work += 1 + sorted_.size()) {
            if (work >= kMaxSimulationWork || (options_.cancelled && options_.cancelled())) {
                result_.truncated = true;
                break;
            }
            applyScenario(t);
            rollBudgetDay(t);
            endFinishedRuns(t);
            std::optional<TimePoint> wakeup;
            for (int pass = 0; pass < kMaxPassesPerMoment && !result_.truncated; ++pass) {
                bool acted = false;
                wakeup = planOnce(t, acted);
                if (!acted)
                    break;
            }
            recordWaits(t);
            const auto next = nextMoment(t, wakeup);
            if (!next || *next > end)
                break;
            t = *next;
        }
        result_.end = result_.truncated ? t : end;
        return std::move(result_);
    }

private:
    Duration usualOf(const TaskRequest& request) const
    {
        if (const auto it = in_.usualDurations.find({request.app, request.identifier}); it != in_.usualDurations.end())
            return it->second;
        const auto limit = in_.limits.timeLimit(request.kind);
        return limit ? std::min(kDefaultUsualDuration, *limit) : kDefaultUsualDuration;
    }

    void emit(SimulationEvent event)
    {
        if (!options_.app.empty() && !event.app.empty() && event.app != options_.app)
            return;
        if (result_.events.size() >= options_.maxEvents) {
            result_.truncated = true;
            return;
        }
        result_.events.push_back(std::move(event));
    }

    void beginCatchUp(TimePoint now, std::string cause)
    {
        const auto& limits = scheduling_.limits.catchUp;
        if (limits.launches == 0 || limits.window <= Duration{0})
            return;
        scheduling_.catchUp.since = now;
        scheduling_.catchUp.cause = std::move(cause);
    }

    void applyScenario(TimePoint t)
    {
        while (nextStep_ < options_.scenario.size() && options_.scenario[nextStep_].at <= t) {
            const auto& step = options_.scenario[nextStep_++];
            const bool onBattery = state_.onExternalPower == false;
            for (const auto& [key, value] : step.settings)
                applyScenarioSetting(state_, key, value);
            // As TaskService::setSystemState: power back after battery begins a catch-up.
            if (onBattery && state_.onExternalPower == true)
                beginCatchUp(t, "plugging in");
            emit(eventOf(Type::State, t, nullptr, step.text));
        }
    }

    void rollBudgetDay(TimePoint t)
    {
        if (scheduling_.budgetResetsAt == TimePoint{} || t < scheduling_.budgetResetsAt)
            return;
        while (scheduling_.budgetResetsAt <= t)
            scheduling_.budgetResetsAt += kBudgetDay;
        for (auto& [app, usage] : scheduling_.usage) {
            usage.runTime = {};
            usage.terminations = 0;
        }
    }

    void endFinishedRuns(TimePoint t)
    {
        std::vector<std::int64_t> done;
        for (const auto& run : runs_)
            if (run.expectedEnd <= t)
                done.push_back(run.task.runId);
        for (auto id : done) {
            const auto* run = findRun(id);
            if (run->task.state == RunState::Expiring)
                endRun(id, Outcome::Expired, run->task.expireReason, t);
            else
                endRun(id, Outcome::Completed, "", t);
        }
    }

    SimRun* findRun(std::int64_t id)
    {
        const auto it = std::ranges::find_if(runs_, [id](const SimRun& r) { return r.task.runId == id; });
        return it == runs_.end() ? nullptr : &*it;
    }

    void endRun(std::int64_t id, Outcome outcome, const std::string& reason, TimePoint t)
    {
        const auto it = std::ranges::find_if(runs_, [id](const SimRun& r) { return r.task.runId == id; });
        if (it == runs_.end())
            return;
        const auto run = std::move(it->task);
        runs_.erase(it);
        if (run.startedAt >= scheduling_.budgetResetsAt - kBudgetDay)   // UsageLedger::ended's day
            chargeRun(scheduling_, run, outcome, t, std::nullopt);
        auto event = eventOf(Type::End, t, &run.request, reason);
        event.duration = t - run.startedAt;
        event.outcome = toString(outcome);
        emit(std::move(event));
        resubmit(run.request, outcome, t);
    }

    // ScheduleKeeper::runEnded's rules, without the random parts (see the header).
    void resubmit(const TaskRequest& consumed, Outcome outcome, TimePoint t)
    {
        const TaskKey key{consumed.app, consumed.identifier};
        const auto it = in_.schedules.find(key);
        if (it == in_.schedules.end() || pending_.find(key.first, key.second))
            return;
        const auto verdict = verdictOf(outcome, false);
        it->second.state = advance(it->second.state, verdict, t);
        if (!continuesAfter(it->second.rules, verdict))
            return;
        auto rules = it->second.rules;
        rules.randomizedDelay = {};
        auto next = consumed;
        next.id = nextRequestId_++;
        next.submittedAt = t;
        next.unreachable.reset();
        next.options.earliestBeginDate = nextRunNotBefore(rules, it->second.state, t, 0);
        emit(eventOf(Type::Resubmit, t, &next, "next run not before " + formatUtc(*next.options.earliestBeginDate)));
        sorted_.push_back(next);   // the newest id: still in order
        pending_.upsert(std::move(next));
    }

    std::vector<RunningTask> snapshot() const
    {
        std::vector<RunningTask> out;
        out.reserve(runs_.size());
        for (const auto& run : runs_)
            out.push_back(run.task);
        return out;
    }

    // One pass of the daemon's planNow(): plan, act on it, settle the catch-up.
    std::optional<TimePoint> planOnce(TimePoint t, bool& acted)
    {
        pending_.ripen(t);
        const auto plan = core::plan(pending_, snapshot(), state_, in_.gating, in_.policy, scheduling_, t);
        if (plan.catchUpBegins)
            beginCatchUp(t, *plan.catchUpBegins);
        for (auto id : plan.expire)
            endRun(id, Outcome::Expired, "time-limit", t);
        for (const auto& [id, reason] : plan.expireFor)
            endRun(id, Outcome::Expired, reason, t);
        for (auto id : plan.terminate)
            endRun(id, Outcome::Terminated, "", t);
        for (auto id : plan.launch)
            launch(id, plan, t);
        acted = !plan.launch.empty() || !plan.expire.empty() || !plan.expireFor.empty() || !plan.terminate.empty();
        auto wakeup = plan.nextWakeup;
        const auto& catchUp = scheduling_.catchUp;
        const auto& limits = scheduling_.limits.catchUp;
        if (catchUp.active() && plan.catchUpHeld == 0) {
            if (catchUpMayEnd(catchUp, limits, t))
                scheduling_.catchUp = {};
            else if (!wakeup || *catchUp.since + limits.window < *wakeup)
                wakeup = *catchUp.since + limits.window;
        }
        return wakeup;
    }

    void launch(std::int64_t requestId, const Plan& plan, TimePoint t)
    {
        const auto* found = pending_.findById(requestId);
        if (!found)
            return;
        const auto request = *found;
        pending_.eraseId(requestId);
        const auto at = std::ranges::lower_bound(sorted_, requestId, {}, &TaskRequest::id);
        if (at != sorted_.end() && at->id == requestId)
            sorted_.erase(at);
        waiting_.erase(requestId);
        recordLaunch(scheduling_, request, t);
        SimRun run;
        run.task.runId = nextRunId_++;
        run.task.request = request;
        run.task.state = RunState::Running;
        run.task.startedAt = t;
        run.task.launchWindowEnd = t + in_.limits.launchWindow;
        if (const auto limit = in_.limits.timeLimit(request.kind))
            run.task.deadline = t + *limit;
        const auto usual = usualOf(request);
        run.expectedEnd = t + usual;
        runs_.push_back(std::move(run));
        std::string reason = "due";
        if (std::ranges::find(plan.coalesced, requestId) != plan.coalesced.end())
            reason = coalescedText(plan.coalesced.size() - 1, t);
        auto event = eventOf(Type::Launch, t, &request, reason);
        event.duration = usual;
        emit(std::move(event));
    }

    // A Wait event for each request whose first blocker is not the one reported last. Every
    // request is evaluated, in submission order as explain does (positions in the catch-up line
    // and the continued queue count the others); emit() applies the app filter.
    void recordWaits(TimePoint t)
    {
        const auto running = snapshot();
        const auto views = evaluateAll(sorted_, running, state_, in_.gating, in_.policy, scheduling_, t);
        for (std::size_t i = 0; i < sorted_.size(); ++i) {
            const auto& r = sorted_[i];
            const auto& condition = views[i].unmet.empty() ? kNoBlocker : views[i].unmet.front().condition;
            auto& last = waiting_[r.id];
            if (condition == last)
                continue;
            last = condition;
            if (!condition.empty())
                emit(eventOf(Type::Wait, t, &r, views[i].reason));
        }
    }

    std::optional<TimePoint> nextMoment(TimePoint t, std::optional<TimePoint> wakeup) const
    {
        std::optional<TimePoint> next;
        const auto consider = [&](std::optional<TimePoint> moment) {
            if (moment && *moment > t && (!next || *moment < *next))
                next = moment;
        };
        consider(wakeup);
        if (nextStep_ < options_.scenario.size())
            consider(options_.scenario[nextStep_].at);
        for (const auto& run : runs_)
            consider(run.expectedEnd);
        if (scheduling_.budgetResetsAt != TimePoint{})
            consider(scheduling_.budgetResetsAt);
        return next;
    }

    SimulationInput in_;
    const SimulationOptions& options_;
    SystemState state_;
    Scheduling scheduling_;
    PendingSet pending_;
    std::vector<SimRun> runs_;
    std::unordered_map<std::int64_t, std::string> waiting_;   // request id → first blocker reported last
    std::vector<TaskRequest> sorted_;   // the pending requests, by id (submission order)
    std::size_t nextStep_ = 0;
    std::int64_t nextRequestId_ = 1;
    std::int64_t nextRunId_ = 1;
    SimulationResult result_;
};

} // namespace

SimulationResult simulate(SimulationInput input, const SimulationOptions& options)
{
    return Simulator(std::move(input), options).run();
}

} // namespace bgtask::core
