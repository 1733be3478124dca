// SPDX-License-Identifier: LGPL-2.1-or-later
#include "PendingSet.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <string>

namespace bgtask::core {
namespace {

std::size_t hashApp(std::string_view app)
{
    return std::hash<std::string_view>{}(app);
}

bool wantsGpu(const RequestOptions& options)
{
    return options.requiredResources &&
           std::ranges::find(*options.requiredResources, std::string(kResourceGpu)) != options.requiredResources->end();
}

} // namespace

ConditionKey conditionKeyOf(const TaskRequest& request)
{
    const auto& o = request.options;
    return {request.kind,
            o.requiresNetworkConnectivity.value_or(false),
            o.networkType,
            o.requiresExternalPower.value_or(false),
            o.requiresBatteryNotLow.value_or(false),
            o.protectionTypeOfRequiredData,
            wantsGpu(o)};
}

TaskRequest representativeOf(const ConditionKey& key)
{
    TaskRequest r;
    r.kind = key.kind;
    auto& o = r.options;
    if (key.network)
        o.requiresNetworkConnectivity = true;
    o.networkType = key.networkType;
    if (key.externalPower)
        o.requiresExternalPower = true;
    if (key.batteryNotLow)
        o.requiresBatteryNotLow = true;
    o.protectionTypeOfRequiredData = key.protection;
    if (key.gpu)
        o.requiredResources = std::vector<std::string>{kResourceGpu};
    return r;
}

std::optional<TimePoint> heldUntil(const TaskRequest& request)
{
    std::optional<TimePoint> until;
    if (request.kind != TaskKind::ContinuedProcessing)
        until = request.options.earliestBeginDate;
    if (request.unreachable && (!until || request.unreachable->retryAt > *until))
        until = request.unreachable->retryAt;
    return until;
}

void PendingSet::assign(std::vector<TaskRequest> requests)
{
    requests_ = std::move(requests);
    requests_.shrink_to_fit();   // loaded once at start; growth by doubling would keep ~2x
    position_.clear();
    byApp_.clear();
    held_.clear();
    ripe_.clear();
    keys_.clear();
    position_.reserve(requests_.size());
    for (std::size_t i = 0; i < requests_.size(); ++i) {
        position_[requests_[i].id] = i;
        byApp_[hashApp(requests_[i].app)].push_back(static_cast<std::uint32_t>(i));
        index(requests_[i]);
    }
}

std::size_t PendingSet::positionOf(std::int64_t id) const
{
    const auto it = position_.find(id);
    return it == position_.end() ? requests_.size() : it->second;
}

const TaskRequest* PendingSet::find(std::string_view app, std::string_view identifier) const
{
    const auto it = byApp_.find(hashApp(app));
    if (it == byApp_.end())
        return nullptr;
    for (const auto position : it->second) {
        const auto& r = requests_[position];
        if (r.identifier == identifier && r.app == app)
            return &r;
    }
    return nullptr;
}

const TaskRequest* PendingSet::findById(std::int64_t id) const
{
    const auto position = positionOf(id);
    return position < requests_.size() ? &requests_[position] : nullptr;
}

std::vector<const TaskRequest*> PendingSet::ofApp(std::string_view app) const
{
    std::vector<const TaskRequest*> out;
    const auto it = byApp_.find(hashApp(app));
    if (it == byApp_.end())
        return out;
    for (const auto position : it->second) {
        const auto& r = requests_[position];
        if (r.app == app)
            out.push_back(&r);
    }
    return out;
}

void PendingSet::index(const TaskRequest& request)
{
    ++keys_[conditionKeyOf(request)];
    if (const auto until = heldUntil(request))
        held_.emplace(*until, request.id);
    else
        ripe_[conditionKeyOf(request)].insert(request.id);
}

// A request held until a moment that ripen() has passed is in its bucket, not in held_.
void PendingSet::unindex(const TaskRequest& request)
{
    if (const auto key = keys_.find(conditionKeyOf(request)); key != keys_.end() && --key->second == 0)
        keys_.erase(key);
    if (const auto until = heldUntil(request); until && held_.erase({*until, request.id}) > 0)
        return;
    const auto bucket = ripe_.find(conditionKeyOf(request));
    if (bucket == ripe_.end())
        return;
    bucket->second.erase(request.id);
    if (bucket->second.empty())
        ripe_.erase(bucket);
}

// The app's entry for index `from` becomes `to`, or goes when `to` is past the end.
void PendingSet::replaceInApp(const TaskRequest& request, std::uint32_t from, std::uint32_t to)
{
    const auto it = byApp_.find(hashApp(request.app));
    if (it == byApp_.end())
        return;
    auto& positions = it->second;
    const auto entry = std::ranges::find(positions, from);
    if (entry == positions.end())
        return;
    if (to < requests_.size()) {
        *entry = to;
        return;
    }
    *entry = positions.back();
    positions.pop_back();
    if (positions.empty())
        byApp_.erase(it);
}

// Swap with the last and pop: O(1) apart from the indexes and the app's list.
void PendingSet::removeAt(std::size_t position)
{
    const auto last = static_cast<std::uint32_t>(requests_.size() - 1);
    unindex(requests_[position]);
    position_.erase(requests_[position].id);
    replaceInApp(requests_[position], static_cast<std::uint32_t>(position), std::numeric_limits<std::uint32_t>::max());
    if (position != last) {
        replaceInApp(requests_[last], last, static_cast<std::uint32_t>(position));
        requests_[position] = std::move(requests_[last]);
        position_[requests_[position].id] = position;
    }
    requests_.pop_back();
}

void PendingSet::upsert(TaskRequest request)
{
    erase(request.app, request.identifier);
    eraseId(request.id);
    const auto position = requests_.size();
    position_[request.id] = position;
    byApp_[hashApp(request.app)].push_back(static_cast<std::uint32_t>(position));
    requests_.push_back(std::move(request));
    index(requests_.back());
}

bool PendingSet::erase(std::string_view app, std::string_view identifier)
{
    const auto* r = find(app, identifier);
    if (!r)
        return false;
    removeAt(static_cast<std::size_t>(r - requests_.data()));
    return true;
}

std::size_t PendingSet::eraseApp(std::string_view app)
{
    std::vector<std::int64_t> ids;
    for (const auto* r : ofApp(app))
        ids.push_back(r->id);
    for (const auto id : ids)
        eraseId(id);
    return ids.size();
}

bool PendingSet::eraseId(std::int64_t id)
{
    const auto position = positionOf(id);
    if (position == requests_.size())
        return false;
    removeAt(position);
    return true;
}

std::size_t PendingSet::clearUnreachable(std::string_view app)
{
    std::size_t cleared = 0;
    for (const auto* found : ofApp(app)) {
        auto& r = requests_[static_cast<std::size_t>(found - requests_.data())];
        if (!r.unreachable)
            continue;
        unindex(r);
        r.unreachable.reset();
        index(r);
        ++cleared;
    }
    return cleared;
}

std::size_t PendingSet::ripen(TimePoint now)
{
    std::size_t moved = 0;
    while (!held_.empty() && held_.begin()->first <= now) {
        const auto id = held_.begin()->second;
        held_.erase(held_.begin());
        ripe_[conditionKeyOf(requests_[positionOf(id)])].insert(id);
        ++moved;
    }
    return moved;
}

// Every request of a bucket gets the same unmetConditions(), so one evaluation per bucket
// decides for all of them; plan() looks at the candidates exactly as at every request.
std::vector<const TaskRequest*> PendingSet::candidates(const SystemState& state, const GatingPolicy& gating,
                                                       TimePoint horizon) const
{
    std::vector<const TaskRequest*> out;
    for (const auto& [key, ids] : ripe_) {
        const auto& first = requests_[positionOf(*ids.begin())];
        if (!unmetConditions(first, state, gating).empty())
            continue;
        for (const auto id : ids)
            out.push_back(&requests_[positionOf(id)]);
    }
    for (auto it = held_.begin(); it != held_.end() && it->first <= horizon; ++it)
        out.push_back(&requests_[positionOf(it->second)]);
    std::ranges::sort(out, {}, &TaskRequest::id);
    return out;
}

std::optional<TimePoint> PendingSet::nextHeldAfter(TimePoint horizon) const
{
    const auto it = held_.upper_bound({horizon, std::numeric_limits<std::int64_t>::max()});
    return it == held_.end() ? std::nullopt : std::optional(it->first);
}

} // namespace bgtask::core
