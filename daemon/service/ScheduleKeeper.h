// SPDX-License-Identifier: LGPL-2.1-or-later
// Keeps one pending request per schedule: each [Schedule] group of the manifests, and each
// request an app submitted with a RepeatInterval (periodic) or a BackoffDelay (retried until
// it succeeds). It decides, with the rules of core/Schedule.h, what follows a run, an app's
// submit or cancel, and a manifest reload, and hands the requests to submit or drop to its
// owner (TaskService), which applies them to the request book. Owns every schedule's state,
// mirrored from the store and written through the commit queue, so that a state change and
// the request that follows from it are committed together. Borrows the store, the commit
// queue and the manifests; randomness (the jitter) comes from the seed function it is given.
//
// Cancel: a manifest schedule cannot be cancelled for good by its app (or by bgtaskctl
// cancel): its pending occurrence, or its running one, is skipped and the next comes an
// interval later. An app's own schedule ends with Cancel and CancelAll, or with a submit of
// the identifier without RepeatInterval and BackoffDelay. Reload: a schedule removed from a
// manifest drops its pending request and state (a running run finishes and is not followed);
// a changed one replaces its pending request, its due time computed again from its state.
#pragma once

#include "CommitQueue.h"
#include "ManifestRegistry.h"

#include "core/Schedule.h"
#include "core/TaskRequest.h"
#include "store/Store.h"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace bgtask::service {

// A schedule as Manager1 shows it.
struct ScheduleView {
    core::ScheduleRecord record;
    core::TaskKind kind = core::TaskKind::Processing;
    core::Schedule schedule;
    std::optional<core::TimePoint> nextRunNotBefore;   // its pending request's; unset while it runs
    bool running = false;
};

// What the owner applies to its request book: requests to submit (replacing one with the same
// app and identifier; id and submission time are the owner's to set) and (app, identifier)
// of pending requests to drop.
struct ScheduleChanges {
    std::vector<core::TaskRequest> submit;
    std::vector<std::pair<std::string, std::string>> drop;
};

class ScheduleKeeper {
public:
    using Key = std::pair<std::string, std::string>;   // (app, identifier)
    using IsRunning = std::function<bool(const std::string& app, const std::string& identifier)>;

    ScheduleKeeper(store::Store& store, CommitQueue& commits, const ManifestRegistry& manifests,
                   std::function<std::uint64_t()> seeds);

    // Reads every schedule's state from the store (at start, and after a failed commit).
    void load();

    // At start and after the manifests were read again: a request for each manifest schedule
    // that has neither a pending request nor a run, a replacement where the manifest changed
    // it; the requests and state of schedules that left the manifests dropped; the state of an
    // app's schedule whose request is gone forgotten.
    ScheduleChanges reconcile(std::span<const core::TaskRequest> pending, const IsRunning& running,
                              core::TimePoint now);

    // An app submits: NotPermitted "scheduled-in-manifest" when its manifest schedules the
    // identifier (bgtaskd submits that one itself).
    void checkSubmit(const core::Manifest& app, const std::string& identifier) const;
    // The submitted (validated) request as it is to be stored: a periodic or retried one gets
    // the earliest begin date its schedule's state gives (the app's own date stays a floor) and
    // its state is created or kept; any other request ends a schedule of its identifier.
    core::TaskRequest submitted(core::TaskRequest request, core::TimePoint now);

    // The app or an administrator cancels (app, identifier). For a manifest schedule, the
    // request that replaces a pending one (skipped: due an interval later) and a running run is
    // marked as skipped; nullopt for an app's schedule, which ends (its state is dropped), and
    // for identifiers without a schedule.
    std::optional<core::TaskRequest> cancelled(const std::string& app, const std::string& identifier,
                                               bool pending, bool running, core::TimePoint now);

    // A run of the consumed request ended: its schedule's state moves on and, if the schedule
    // goes on, the next request (replacing `pending`, a request of the identifier submitted
    // during the run, whose options it keeps).
    std::optional<core::TaskRequest> runEnded(const core::TaskRequest& consumed, core::Outcome outcome,
                                              core::TimePoint at, const core::TaskRequest* pending);

    // The schedule of (app, identifier), given its pending or running request (nullptr if
    // none): nullopt when it has none.
    std::optional<ScheduleView> viewOf(const std::string& app, const std::string& identifier,
                                       const core::TaskRequest* request, bool running) const;
    const std::map<Key, core::ScheduleRecord>& records() const { return records_; }

private:
    const core::ManifestSchedule* manifestSchedule(const std::string& app, const std::string& identifier) const;
    // The request of a manifest schedule, due when its state says.
    core::TaskRequest requestFor(const std::string& app, const core::ManifestSchedule& schedule,
                                 const core::ScheduleState& state, core::TimePoint now);
    // Reconciling one manifest schedule: its state row, and the request to submit when it has
    // none pending (or one the manifest changed) and no run.
    std::optional<core::TaskRequest> keepDeclared(const std::string& app, const core::ManifestSchedule& schedule,
                                                  const core::TaskRequest* current, bool running, core::TimePoint now);
    void put(core::ScheduleRecord record);
    void forget(const Key& key);

    store::Store& store_;
    CommitQueue& commits_;
    const ManifestRegistry& manifests_;
    std::function<std::uint64_t()> seeds_;
    std::map<Key, core::ScheduleRecord> records_;
    std::set<Key> cancelledRuns_;   // running runs a cancel turned into a skip
};

} // namespace bgtask::service
