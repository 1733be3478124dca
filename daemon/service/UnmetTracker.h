// SPDX-License-Identifier: LGPL-2.1-or-later
// When bgtaskd first saw each blocker of each pending request (the "since" of explain). A full
// pass over every request is needed only when something many requests depend on changed: the
// system state, the policy, the set of running tasks, the clock or a timer. Otherwise only the
// requests submitted, replaced or removed since the last pass are looked at again, so that a
// flood of submits does not re-evaluate thousands of waiting requests after every batch.
#pragma once

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
    void invalidateAll() { all_ = true; }
    void touch(const std::string& app, const std::string& identifier) { touched_.emplace(app, identifier); }

    bool needsAll() const { return all_; }
    const std::set<std::pair<std::string, std::string>>& touched() const { return touched_; }

    // Every pending request with its readiness: blockers still unmet keep their first-seen
    // time, new ones get now, the rest are forgotten.
    void recordAll(std::span<const core::TaskRequest> pending, std::span<const core::Readiness> readiness,
                   core::TimePoint now);
    // The touched requests that are still pending, with their readiness: everything known of
    // a touched request is replaced (a resubmit is a new request).
    void recordTouched(std::span<const core::TaskRequest> requests, std::span<const core::Readiness> readiness,
                       core::TimePoint now);

    std::optional<core::TimePoint> since(const std::string& app, const std::string& identifier,
                                         const std::string& condition) const;

private:
    using Key = std::tuple<std::string, std::string, std::string>;   // app, identifier, condition
    std::map<Key, core::TimePoint> since_;
    std::set<std::pair<std::string, std::string>> touched_;
    bool all_ = true;
};

} // namespace bgtask::service
