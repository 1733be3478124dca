// SPDX-License-Identifier: LGPL-2.1-or-later
// When bgtaskd first saw each blocker of each pending request (the "since" of explain), at a
// cost that does not grow with the number of requests on a state change, a launch or a submit.
// Three scopes:
// - per request: the blockers given to recordAll()/recordTouched()/recordStale(). A full pass
//   over every request is needed only when something all of them may depend on changed (the
//   policy, the budget day, a reload); otherwise only the requests submitted, replaced or
//   removed (touched: their blockers start afresh) and those marked stale (looked at again,
//   keeping the first-seen times of what is still unmet) are evaluated again.
// - per condition key (core/PendingSet.h): which conditions the requests of each key wait for,
//   and since when, kept by recordConditions() at O(keys) per state change or plan.
// - shared: blockers that hold every request alike (the concurrency limit, the catch-up
//   governor), by recordShared().
// The service combines them with what the request itself records (its submission, its date,
// its unreachable launches, the app's last refresh, the active run).
#pragma once

#include "core/Atom.h"
#include "core/PendingSet.h"
#include "core/Planner.h"
#include "core/TaskRequest.h"

#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <tuple>
#include <utility>

namespace bgtask::service {

class UnmetTracker {
public:
    // (app, identifier) as the interned Atoms of the requests: every submit touches one, and
    // copies of the two texts were three allocations of each.
    using RequestKey = std::pair<core::Atom, core::Atom>;

    void invalidateAll() { all_ = true; }
    void touch(const core::Atom& app, const core::Atom& identifier) { touched_.emplace(app, identifier); }
    // Something the request's blockers depend on changed: it is evaluated again, keeping the
    // first-seen times of the blockers still unmet.
    void refresh(const core::Atom& app, const core::Atom& identifier) { stale_.emplace(app, identifier); }

    bool needsAll() const { return all_; }
    const std::set<RequestKey>& touched() const { return touched_; }
    const std::set<RequestKey>& stale() const { return stale_; }

    // Every pending request with its readiness: blockers still unmet keep their first-seen
    // time, new ones get now, the rest are forgotten.
    void recordAll(std::span<const core::TaskRequest> pending, std::span<const core::Readiness> readiness,
                   core::TimePoint now);
    // The same in parts, so that a full pass need not hold every request's readiness at once:
    // beginAll(), recordPart() for each part (every pending request in exactly one), endAll().
    void beginAll();
    void recordPart(std::span<const core::TaskRequest> pending, std::span<const core::Readiness> readiness,
                    core::TimePoint now);
    void endAll();
    // The touched requests that are still pending, with their readiness: everything known of
    // a touched request is replaced (a resubmit is a new request).
    void recordTouched(std::span<const core::TaskRequest> requests, std::span<const core::Readiness> readiness,
                       core::TimePoint now);

    // The stale requests that are still pending, with their readiness: blockers still unmet keep
    // their first-seen time, new ones get now, the rest are forgotten.
    void recordStale(std::span<const core::TaskRequest> requests, std::span<const core::Readiness> readiness,
                     core::TimePoint now);

    std::optional<core::TimePoint> since(const std::string& app, const std::string& identifier,
                                         const std::string& condition) const;

    // The conditions each key's requests wait for in this state: still unmet ones keep their
    // time, new ones get now; keys no longer pending are forgotten.
    void recordConditions(const std::map<core::ConditionKey, std::size_t>& keys, const core::SystemState& state,
                          const core::GatingPolicy& gating, core::TimePoint now);
    std::optional<core::TimePoint> conditionSince(const core::ConditionKey& key, const std::string& condition) const;

    // A blocker shared by every request: unmet since the first call that said so.
    void recordShared(const std::string& blocker, bool unmet, core::TimePoint now);
    std::optional<core::TimePoint> sharedSince(const std::string& blocker) const;

private:
    using Key = std::tuple<core::Atom, core::Atom, std::string>;   // app, identifier, condition
    std::map<Key, core::TimePoint> since_;
    std::map<Key, core::TimePoint> seen_;   // of a full pass in parts
    void eraseRequest(const core::Atom& app, const core::Atom& identifier);

    std::set<RequestKey> touched_;
    std::set<RequestKey> stale_;
    bool all_ = true;
    std::map<core::ConditionKey, std::map<std::string, core::TimePoint, std::less<>>> conditions_;
    std::map<std::string, core::TimePoint, std::less<>> shared_;
};

} // namespace bgtask::service
