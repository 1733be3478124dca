// SPDX-License-Identifier: LGPL-2.1-or-later
// The pending requests with the indexes that let plan() look at what may launch instead of at
// everything that waits (issue 13). Two indexes split the requests:
//
// - held: the requests that cannot launch before a known moment whatever else holds (an
//   earliest begin date of a scheduled kind, the next attempt after a launch that did not reach
//   the app): ordered by that moment, like systemd's timer queue. plan() reads only the front:
//   the requests held until now or within the network coalescing window are looked at in full,
//   the first one after that gives the wake-up.
// - ripe: every other request, bucketed by what unmetConditions() reads of it (kind, network,
//   power, battery, data protection, gpu), so that one evaluation per bucket tells whether all
//   its requests wait for a condition; a bucket whose conditions are unmet is skipped whole.
//
// ripen() moves requests whose moment has passed from held to their bucket; plan() is correct
// without it (held requests up to now are looked at), it only keeps the front short. A request
// in a met bucket is still looked at by plan(): one that waits only for slots, its policy,
// refresh spacing or its budget costs a visit per plan. Lookups by (app, identifier), by id and
// by app are hashed (by app, then among the app's requests). Pure: no clock, no I/O.
#pragma once

#include "Conditions.h"
#include "TaskRequest.h"
#include "Time.h"

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace bgtask::core {

// What unmetConditions() reads of a request: two requests with equal keys wait for the same
// conditions in every state.
struct ConditionKey {
    TaskKind kind = TaskKind::AppRefresh;
    bool network = false;
    std::optional<NetworkType> networkType;
    bool externalPower = false;
    bool batteryNotLow = false;
    std::optional<Protection> protection;
    bool gpu = false;

    auto operator<=>(const ConditionKey&) const = default;
};
ConditionKey conditionKeyOf(const TaskRequest& request);
// A request with exactly the key's options: unmetConditions() of it is that of every request
// with this key.
TaskRequest representativeOf(const ConditionKey& key);

// The moment before which the request cannot launch, whatever else holds: the later of its
// earliest begin date (scheduled kinds only: continued processing ignores it) and its next
// attempt after a launch that did not reach the app; nullopt when neither is set.
std::optional<TimePoint> heldUntil(const TaskRequest& request);

class PendingSet {
public:
    PendingSet() = default;
    explicit PendingSet(std::vector<TaskRequest> requests) { assign(std::move(requests)); }

    void assign(std::vector<TaskRequest> requests);
    // Every pending request, in no particular order (sort by id for submission order).
    std::span<const TaskRequest> all() const { return requests_; }
    std::size_t size() const { return requests_.size(); }

    const TaskRequest* find(std::string_view app, std::string_view identifier) const;
    const TaskRequest* findById(std::int64_t id) const;
    // The app's requests, in no particular order.
    std::vector<const TaskRequest*> ofApp(std::string_view app) const;

    // Inserts, replacing any request with the same app and identifier. Ids are unique.
    void upsert(TaskRequest request);
    bool erase(std::string_view app, std::string_view identifier);
    std::size_t eraseApp(std::string_view app);
    bool eraseId(std::int64_t id);
    // The app registered: its requests that waited for it to be reachable may launch again.
    // Returns how many did.
    std::size_t clearUnreachable(std::string_view app);

    // Moves the requests held until `now` or earlier into their buckets; returns how many.
    std::size_t ripen(TimePoint now);

    // The requests plan() must look at, by id: those of the buckets whose conditions the state
    // meets and those held until no later than `horizon` (now plus the coalescing window).
    std::vector<const TaskRequest*> candidates(const SystemState& state, const GatingPolicy& gating,
                                               TimePoint horizon) const;
    // The earliest moment after `horizon` until which a request is held: the wake-up for every
    // request candidates() left out by time.
    std::optional<TimePoint> nextHeldAfter(TimePoint horizon) const;

    // The condition keys of every pending request (held or ripe), with how many have each.
    const std::map<ConditionKey, std::size_t>& conditionKeys() const { return keys_; }

    // Sizes of the indexes, for tests and the log.
    std::size_t heldCount() const { return held_.size(); }
    std::size_t bucketCount() const { return ripe_.size(); }
    std::size_t idSlots() const { return ids_.size(); }   // the id table, at most 4/5 full

private:
    static constexpr std::uint32_t kNone = 0xffffffffu;
    static constexpr std::uint32_t kInHeld = 0x80000000u;   // slot_ flag: the slot is in held_

    // A request held until a moment, in held_: a binary min-heap on `until`.
    struct Held {
        TimePoint until;
        std::uint32_t position;   // in requests_
    };

    std::size_t positionOf(std::int64_t id) const;
    void index(std::uint32_t position);
    void unindex(std::uint32_t position);
    void toBucket(std::uint32_t position);
    std::vector<std::uint32_t>& bucketOf(std::uint32_t position);
    void replaceInApp(const TaskRequest& request, std::uint32_t from, std::uint32_t to);
    void removeAt(std::size_t position);
    // held_ as a heap; every move updates slot_ of the request moved.
    void heldPush(Held entry);
    void heldRemoveAt(std::uint32_t slot);
    void heldPlace(std::uint32_t slot, Held entry);
    void heldSiftUp(std::uint32_t slot);
    void heldSiftDown(std::uint32_t slot);
    // ids_ as an open-addressing hash set of positions, keyed by requests_[position].id.
    std::size_t idSlotOf(std::int64_t id) const;
    void idInsert(std::uint32_t position);
    void idErase(std::int64_t id);
    void idRehash(std::size_t capacity);

    // Per request 4 bytes of slot_, 5 to 10 of ids_, 4 in its app's list and 16 in held_ or 4 in
    // a bucket (issue 13: 100,000 pending in 32 MiB); no node per request anywhere.
    std::vector<TaskRequest> requests_;                              // any order
    std::vector<std::uint32_t> slot_;      // per request: its index in held_ (| kInHeld) or in its bucket
    std::vector<std::uint32_t> ids_;       // positions in requests_ by hash of their id; kNone: free
    // hash(app) → indexes in requests_ of the app's requests: one small vector per app rather
    // than a hash node per request. A lookup by (app, identifier) walks the app's requests,
    // which its quota bounds.
    std::unordered_map<std::size_t, std::vector<std::uint32_t>> byApp_;
    std::vector<Held> held_;                                         // min-heap on until
    std::map<ConditionKey, std::vector<std::uint32_t>> ripe_;        // conditions → positions, never empty
    std::map<ConditionKey, std::size_t> keys_;                       // every request's key → count
};

} // namespace bgtask::core
