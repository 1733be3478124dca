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

// Visits the entries of a min-heap on `until` that are not after `horizon` (atOrBefore) and the
// roots of the subtrees that are (after), and nothing below those: O(entries not after it).
template <typename Entry, typename AtOrBefore, typename After>
void walkHeap(const std::vector<Entry>& heap, TimePoint horizon, AtOrBefore atOrBefore, After after)
{
    std::vector<std::size_t> stack;
    if (!heap.empty())
        stack.push_back(0);
    while (!stack.empty()) {
        const auto slot = stack.back();
        stack.pop_back();
        if (heap[slot].until > horizon) {
            after(heap[slot]);
            continue;
        }
        atOrBefore(heap[slot]);
        for (const auto child : {2 * slot + 1, 2 * slot + 2})
            if (child < heap.size())
                stack.push_back(child);
    }
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
    slot_.assign(requests_.size(), kNone);
    byApp_.clear();
    held_.clear();
    ripe_.clear();
    keys_.clear();
    // The old table's positions point into the old requests: drop them, do not rehash them.
    ids_.clear();
    idRehash(requests_.size());
    for (std::uint32_t i = 0; i < requests_.size(); ++i) {
        idInsert(i);
        byApp_[hashApp(requests_[i].app)].push_back(i);
        index(i);
    }
}

// ---- ids_: linear probing over a power-of-two table at most 4/5 full -----------------------
// 4/5 rather than 1/2: at 100,000 requests the table is 131,072 slots (512 KiB) instead of
// 262,144 (1 MiB); a lookup then probes a few slots more, each 4 bytes in the same cache lines.
namespace {
std::size_t idHome(std::int64_t id, std::size_t mask)
{
    return static_cast<std::size_t>(static_cast<std::uint64_t>(id) * 0x9E3779B97F4A7C15ull >> 20) & mask;
}
} // namespace

std::size_t PendingSet::idSlotOf(std::int64_t id) const
{
    if (ids_.empty())
        return 0;
    const auto mask = ids_.size() - 1;
    auto slot = idHome(id, mask);
    while (ids_[slot] != kNone && requests_[ids_[slot]].id != id)
        slot = (slot + 1) & mask;
    return slot;
}

void PendingSet::idRehash(std::size_t count)
{
    std::size_t capacity = 16;
    while (4 * capacity < 5 * count)
        capacity *= 2;
    std::vector<std::uint32_t> old(capacity, kNone);
    old.swap(ids_);
    for (const auto position : old)
        if (position != kNone)
            ids_[idSlotOf(requests_[position].id)] = position;
}

void PendingSet::idInsert(std::uint32_t position)
{
    if (5 * requests_.size() > 4 * ids_.size())   // requests_ holds the new request already
        idRehash(requests_.size());
    ids_[idSlotOf(requests_[position].id)] = position;
}

// Backward-shift deletion: no tombstones, so a lookup stops at the first free slot.
void PendingSet::idErase(std::int64_t id)
{
    auto hole = idSlotOf(id);
    if (ids_.empty() || ids_[hole] == kNone)
        return;
    const auto mask = ids_.size() - 1;
    ids_[hole] = kNone;
    for (auto next = (hole + 1) & mask; ids_[next] != kNone; next = (next + 1) & mask) {
        const auto home = idHome(requests_[ids_[next]].id, mask);
        // The entry at `next` may move to the hole unless its home lies cyclically in (hole, next].
        if (((next - home) & mask) >= ((next - hole) & mask)) {
            ids_[hole] = ids_[next];
            ids_[next] = kNone;
            hole = next;
        }
    }
}

std::size_t PendingSet::positionOf(std::int64_t id) const
{
    if (ids_.empty())
        return requests_.size();
    const auto position = ids_[idSlotOf(id)];
    return position == kNone ? requests_.size() : position;
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
    out.reserve(it->second.size());   // one allocation: every submit asks (the quota check)
    for (const auto position : it->second) {
        const auto& r = requests_[position];
        if (r.app == app)
            out.push_back(&r);
    }
    return out;
}

// ---- held_: a binary min-heap whose entries know their slot through slot_ -------------------
void PendingSet::heldPlace(std::uint32_t slot, Held entry)
{
    held_[slot] = entry;
    slot_[entry.position] = slot | kInHeld;
}

void PendingSet::heldSiftUp(std::uint32_t slot)
{
    const auto entry = held_[slot];
    while (slot > 0) {
        const auto parent = (slot - 1) / 2;
        if (!(entry.until < held_[parent].until))
            break;
        heldPlace(slot, held_[parent]);
        slot = parent;
    }
    heldPlace(slot, entry);
}

void PendingSet::heldSiftDown(std::uint32_t slot)
{
    const auto entry = held_[slot];
    const auto n = static_cast<std::uint32_t>(held_.size());
    for (;;) {
        auto child = 2 * slot + 1;
        if (child >= n)
            break;
        if (child + 1 < n && held_[child + 1].until < held_[child].until)
            ++child;
        if (!(held_[child].until < entry.until))
            break;
        heldPlace(slot, held_[child]);
        slot = child;
    }
    heldPlace(slot, entry);
}

void PendingSet::heldPush(Held entry)
{
    held_.push_back(entry);
    heldSiftUp(static_cast<std::uint32_t>(held_.size() - 1));
}

void PendingSet::heldRemoveAt(std::uint32_t slot)
{
    slot_[held_[slot].position] = kNone;
    const auto last = held_.back();
    held_.pop_back();
    if (slot == held_.size())
        return;
    heldPlace(slot, last);
    heldSiftUp(slot);
    heldSiftDown(slot_[last.position] & ~kInHeld);
}

// ---- the buckets and the index as a whole ---------------------------------------------------
std::vector<std::uint32_t>& PendingSet::bucketOf(std::uint32_t position)
{
    return ripe_[conditionKeyOf(requests_[position])];
}

void PendingSet::toBucket(std::uint32_t position)
{
    auto& bucket = bucketOf(position);
    slot_[position] = static_cast<std::uint32_t>(bucket.size());
    bucket.push_back(position);
}

void PendingSet::index(std::uint32_t position)
{
    const auto& request = requests_[position];
    ++keys_[conditionKeyOf(request)];
    if (const auto until = heldUntil(request))
        heldPush({*until, position});
    else
        toBucket(position);
}

// A request held until a moment that ripen() has passed is in its bucket, not in held_.
void PendingSet::unindex(std::uint32_t position)
{
    const auto key = conditionKeyOf(requests_[position]);
    if (const auto it = keys_.find(key); it != keys_.end() && --it->second == 0)
        keys_.erase(it);
    const auto slot = slot_[position];
    if (slot == kNone)
        return;
    if (slot & kInHeld) {
        heldRemoveAt(slot & ~kInHeld);
        return;
    }
    const auto bucket = ripe_.find(key);
    if (bucket == ripe_.end())
        return;
    auto& positions = bucket->second;
    const auto moved = positions.back();
    positions[slot] = moved;
    slot_[moved] = slot;
    positions.pop_back();
    slot_[position] = kNone;
    if (positions.empty())
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

// Swap with the last and pop: O(log n) for held_, O(1) for the rest apart from the app's list.
void PendingSet::removeAt(std::size_t at)
{
    const auto position = static_cast<std::uint32_t>(at);
    const auto last = static_cast<std::uint32_t>(requests_.size() - 1);
    unindex(position);
    idErase(requests_[position].id);
    replaceInApp(requests_[position], position, kNone);
    if (position != last) {
        replaceInApp(requests_[last], last, position);
        const auto slot = slot_[last];
        if (slot & kInHeld)
            held_[slot & ~kInHeld].position = position;
        else
            bucketOf(last)[slot] = position;
        slot_[position] = slot;
        ids_[idSlotOf(requests_[last].id)] = position;
        requests_[position] = std::move(requests_[last]);
    }
    requests_.pop_back();
    slot_.pop_back();
}

void PendingSet::upsert(TaskRequest request)
{
    erase(request.app, request.identifier);
    eraseId(request.id);
    const auto position = static_cast<std::uint32_t>(requests_.size());
    byApp_[hashApp(request.app)].push_back(position);
    requests_.push_back(std::move(request));
    slot_.push_back(kNone);
    idInsert(position);
    index(position);
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
        const auto position = static_cast<std::uint32_t>(found - requests_.data());
        auto& r = requests_[position];
        if (!r.unreachable)
            continue;
        unindex(position);
        r.unreachable.reset();
        index(position);
        ++cleared;
    }
    return cleared;
}

std::size_t PendingSet::ripen(TimePoint now)
{
    std::size_t moved = 0;
    while (!held_.empty() && held_.front().until <= now) {
        const auto position = held_.front().position;
        heldRemoveAt(0);
        toBucket(position);
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
    for (const auto& [key, positions] : ripe_) {
        if (!unmetConditions(requests_[positions.front()], state, gating).empty())
            continue;
        for (const auto position : positions)
            out.push_back(&requests_[position]);
    }
    walkHeap(
        held_, horizon, [&](const Held& h) { out.push_back(&requests_[h.position]); }, [](const Held&) {});
    std::ranges::sort(out, {}, &TaskRequest::id);
    return out;
}

// The least `until` after the horizon is the root of a subtree whose parent is not after it.
std::optional<TimePoint> PendingSet::nextHeldAfter(TimePoint horizon) const
{
    std::optional<TimePoint> next;
    walkHeap(held_, horizon, [](const Held&) {}, [&](const Held& h) {
        if (!next || h.until < *next)
            next = h.until;
    });
    return next;
}

} // namespace bgtask::core
