// SPDX-License-Identifier: LGPL-2.1-or-later
// The scheduling decision as a pure function of (pending requests, running tasks, system state,
// gating policy, now): which requests to launch, which runs to time out, expire or terminate,
// and when to look again. Every waiting request gets its reasons, which Manager1 and bgtaskctl
// show. The overloads without a state assume one in which every condition is met.
#pragma once

#include "Conditions.h"
#include "Fairness.h"
#include "Limits.h"
#include "PendingSet.h"
#include "Policy.h"
#include "Run.h"
#include "TaskRequest.h"
#include "Time.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace bgtask::core {

struct Readiness {
    bool due = false;
    std::string reason;                  // empty when due, else unmet.front().reason
    std::optional<TimePoint> dueAt;      // when it becomes due if nothing else changes: set only
                                         // when every blocker ends at a known time (earliest-
                                         // begin-date, app-unreachable, refresh-spacing,
                                         // daily-budget, usage-window): the latest
    // Every blocker, in order: previous-run-active, the policy blocker (policyBlocker()),
    // earliest-begin-date, app-unreachable (until its retry: Reachability.h), the conditions in
    // the order of unmetConditions(), refresh-spacing, daily-budget, usage-window
    // (UsagePattern.h), catch-up (scheduled kinds, past the catch-up quota), then
    // concurrency-limit (scheduled kinds) or continued-queue (continued
    // processing). Empty when due.
    std::vector<Unmet> unmet;
};

// Whether one pending request may launch now. A request waits while a run of the same app and
// identifier is still active ("previous-run-active"), until its earliest begin date
// ("earliest-begin-date") and while the state leaves a condition unmet (unmetConditions()).
Readiness evaluate(const TaskRequest& request, std::span<const RunningTask> running,
                   const SystemState& state, const GatingPolicy& policy, TimePoint now);
// The same in favourableSystemState() with the default policy: dates and active runs only.
Readiness evaluate(const TaskRequest& request, std::span<const RunningTask> running, TimePoint now);

// What evaluateAll() writes: every reason (Readiness::reason and each Unmet's), or none (Skip):
// the same due, dueAt and blockers with their condition ids, every reason left empty. The
// service's first-seen records keep the ids only; composing the dates in the reasons of every
// request a batch of submits touched was most of what that cost.
enum class Reasons { Compose, Skip };

// The readiness of every pending request, in the order given, with the user's policy and the
// fairness rules as well: refresh-spacing (the app's last refresh launch plus the spacing),
// daily-budget (the app's charged time has reached the budget; due again at budgetResetsAt),
// concurrency-limit (the scheduled kinds' slots are all taken) and continued-queue (the
// continued-processing slots are taken, or requests submitted earlier wait ahead of this one;
// the reason gives its position). The same decision plan() takes, with reasons.
std::vector<Readiness> evaluateAll(std::span<const TaskRequest> pending,
                                   std::span<const RunningTask> running, const SystemState& state,
                                   const GatingPolicy& gating, const PolicyTable& policy,
                                   const Scheduling& scheduling, TimePoint now, Reasons reasons = Reasons::Compose);

// The expiration reason of a continued-processing task that reported no progress in time.
inline constexpr const char* kExpireStalled = "stalled";

struct Plan {
    std::vector<std::int64_t> launch;          // request ids, in launch order (see plan())
    std::vector<std::int64_t> launchTimedOut;  // run ids still Launching past launchWindowEnd
    std::vector<std::int64_t> expire;          // run ids Running past their deadline ("time-limit")
    std::vector<std::int64_t> terminate;       // run ids Expiring past graceEnd
    std::optional<TimePoint> nextWakeup;       // earliest future moment any of the above changes
    // (run id, reason) for runs Running within their deadline whose condition was lost
    // (lostCondition(), e.g. "user-active") or, for continued processing, whose stall deadline
    // has passed ("stalled"); a run past its deadline is in `expire` instead.
    std::vector<std::pair<std::int64_t, std::string>> expireFor;
    // Due requests of the scheduled kinds the catch-up governor held back (CatchUp.h); zero when
    // not catching up or when the whole line fitted the quota.
    std::size_t catchUpHeld = 0;
    // The cause of a catch-up this plan began (governingCatchUp(): a burst), for the service to
    // record before it launches; nullopt when none began.
    std::optional<std::string> catchUpBegins;
    // Request ids of the network requests of the scheduled kinds that launch together in this
    // plan (NetworkCoalescing.h), when two or more do: one coalesce group in the history.
    std::vector<std::int64_t> coalesced;
};

// ISO 8601 in UTC ("2026-11-28T10:00:00Z"), microseconds only when there are any.
std::string formatUtc(TimePoint t);

Plan plan(std::span<const TaskRequest> pending, std::span<const RunningTask> running,
          const SystemState& state, const GatingPolicy& policy, TimePoint now);
// The full decision. Continued-processing requests that may start take the free continued
// slots in submission order (FIFO). Due requests of the scheduled kinds take the free slots
// round-robin between apps: apps in order of their last launch (never launched first, then
// the oldest launch; ties by their oldest due request), one request per app per round, each
// app's oldest first. While catching up (governingCatchUp(), CatchUp.h) only the first
// catchUpQuota() requests of the catch-up line (oldest-overdue first) are offered to the slots;
// the rest are counted in catchUpHeld and nextWakeup includes catchUpReopens(). An app
// launches at most one app-refresh per plan (while there is refresh
// spacing: Scheduling{} has none, so the old overloads keep their behaviour). A pass that launches
// nothing because the slots are full needs no wakeup: every run's end re-plans. Refresh
// spacing and daily budgets add their end times to nextWakeup. `launch` lists the scheduled
// kinds in their round-robin order, then continued processing in FIFO order.
Plan plan(std::span<const TaskRequest> pending, std::span<const RunningTask> running,
          const SystemState& state, const GatingPolicy& gating, const PolicyTable& policy,
          const Scheduling& scheduling, TimePoint now);
// The same decision over the indexed pending requests (PendingSet.h), looking only at the
// candidates: the same launches, expirations and catch-up figures as the full plan() over
// every request; the wake-up may be earlier (the first held moment), never later.
Plan plan(const PendingSet& pending, std::span<const RunningTask> running, const SystemState& state,
          const GatingPolicy& gating, const PolicyTable& policy, const Scheduling& scheduling, TimePoint now);
// The same in favourableSystemState() with the default policy: no condition is lost, so
// expireFor holds only stalled continued processing.
Plan plan(std::span<const TaskRequest> pending, std::span<const RunningTask> running, TimePoint now);

} // namespace bgtask::core
