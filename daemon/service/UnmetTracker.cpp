// SPDX-License-Identifier: LGPL-2.1-or-later
#include "UnmetTracker.h"

namespace bgtask::service {

void UnmetTracker::recordAll(std::span<const core::TaskRequest> pending,
                             std::span<const core::Readiness> readiness, core::TimePoint now)
{
    decltype(since_) seen;
    for (std::size_t i = 0; i < pending.size() && i < readiness.size(); ++i) {
        for (const auto& unmet : readiness[i].unmet) {
            Key key{pending[i].app, pending[i].identifier, unmet.condition};
            const auto it = since_.find(key);
            seen.emplace(std::move(key), it == since_.end() ? now : it->second);
        }
    }
    since_ = std::move(seen);
    touched_.clear();
    all_ = false;
}

void UnmetTracker::recordTouched(std::span<const core::TaskRequest> requests,
                                 std::span<const core::Readiness> readiness, core::TimePoint now)
{
    for (const auto& [app, identifier] : touched_) {
        // Keys of one request are contiguous: (app, identifier, "") is the first possible one.
        auto it = since_.lower_bound(Key{app, identifier, std::string()});
        while (it != since_.end() && std::get<0>(it->first) == app && std::get<1>(it->first) == identifier)
            it = since_.erase(it);
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
