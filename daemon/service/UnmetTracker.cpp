// SPDX-License-Identifier: LGPL-2.1-or-later
#include "UnmetTracker.h"

namespace bgtask::service {

void UnmetTracker::recordAll(std::span<const core::TaskRequest> pending,
                             std::span<const core::Readiness> readiness, core::TimePoint now)
{
    beginAll();
    recordPart(pending, readiness, now);
    endAll();
}

void UnmetTracker::beginAll()
{
    seen_.clear();
}

void UnmetTracker::recordPart(std::span<const core::TaskRequest> pending,
                              std::span<const core::Readiness> readiness, core::TimePoint now)
{
    for (std::size_t i = 0; i < pending.size() && i < readiness.size(); ++i) {
        for (const auto& unmet : readiness[i].unmet) {
            Key key{pending[i].app, pending[i].identifier, unmet.condition};
            const auto it = since_.find(key);
            seen_.emplace(std::move(key), it == since_.end() ? now : it->second);
        }
    }
}

void UnmetTracker::endAll()
{
    since_ = std::move(seen_);
    seen_.clear();
    touched_.clear();
    stale_.clear();
    all_ = false;
}

void UnmetTracker::eraseRequest(const core::Atom& app, const core::Atom& identifier)
{
    // Keys of one request are contiguous: (app, identifier, "") is the first possible one.
    auto it = since_.lower_bound(Key{app, identifier, std::string()});
    while (it != since_.end() && std::get<0>(it->first) == app && std::get<1>(it->first) == identifier)
        it = since_.erase(it);
}

void UnmetTracker::recordStale(std::span<const core::TaskRequest> requests,
                               std::span<const core::Readiness> readiness, core::TimePoint now)
{
    std::map<Key, core::TimePoint> kept;
    for (const auto& [app, identifier] : stale_) {
        auto it = since_.lower_bound(Key{app, identifier, std::string()});
        while (it != since_.end() && std::get<0>(it->first) == app && std::get<1>(it->first) == identifier) {
            kept.insert(*it);
            it = since_.erase(it);
        }
    }
    for (std::size_t i = 0; i < requests.size() && i < readiness.size(); ++i) {
        for (const auto& unmet : readiness[i].unmet) {
            Key key{requests[i].app, requests[i].identifier, unmet.condition};
            const auto old = kept.find(key);
            const auto at = old == kept.end() ? now : old->second;
            since_.emplace(std::move(key), at);
        }
    }
    stale_.clear();
}

void UnmetTracker::recordConditions(const std::map<core::ConditionKey, std::size_t>& keys,
                                    const core::SystemState& state, const core::GatingPolicy& gating,
                                    core::TimePoint now)
{
    decltype(conditions_) seen;
    for (const auto& [key, count] : keys) {
        auto& conditions = seen[key];
        const auto old = conditions_.find(key);
        for (const auto& unmet : core::unmetConditions(core::representativeOf(key), state, gating)) {
            std::optional<core::TimePoint> at;
            if (old != conditions_.end())
                if (const auto it = old->second.find(unmet.condition); it != old->second.end())
                    at = it->second;
            conditions.emplace(unmet.condition, at.value_or(now));
        }
    }
    conditions_ = std::move(seen);
}

std::optional<core::TimePoint> UnmetTracker::conditionSince(const core::ConditionKey& key,
                                                            const std::string& condition) const
{
    const auto conditions = conditions_.find(key);
    if (conditions == conditions_.end())
        return std::nullopt;
    const auto it = conditions->second.find(condition);
    return it == conditions->second.end() ? std::nullopt : std::optional(it->second);
}

void UnmetTracker::recordShared(const std::string& blocker, bool unmet, core::TimePoint now)
{
    if (!unmet)
        shared_.erase(blocker);
    else
        shared_.emplace(blocker, now);   // keeps an earlier time
}

std::optional<core::TimePoint> UnmetTracker::sharedSince(const std::string& blocker) const
{
    const auto it = shared_.find(blocker);
    return it == shared_.end() ? std::nullopt : std::optional(it->second);
}

void UnmetTracker::recordTouched(std::span<const core::TaskRequest> requests,
                                 std::span<const core::Readiness> readiness, core::TimePoint now)
{
    for (const auto& [app, identifier] : touched_) {
        eraseRequest(app, identifier);
        stale_.erase({app, identifier});   // looked at afresh
    }
    for (std::size_t i = 0; i < requests.size() && i < readiness.size(); ++i)
        for (const auto& unmet : readiness[i].unmet)
            since_.emplace(Key{requests[i].app, requests[i].identifier, unmet.condition}, now);
    touched_.clear();
}

std::optional<core::TimePoint> UnmetTracker::since(const std::string& app, const std::string& identifier,
                                                   const std::string& condition) const
{
    const auto it = since_.find(Key{app, identifier, condition});
    return it == since_.end() ? std::nullopt : std::optional(it->second);
}

} // namespace bgtask::service
