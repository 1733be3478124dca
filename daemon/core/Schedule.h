// SPDX-License-Identifier: LGPL-2.1-or-later
// The rules of periodic work and retries, as pure functions: which schedule a request's options
// describe, what a finished run means for it, how its durable state moves on, and when the next
// request of it may run at the earliest. Randomness comes in as a seed, time as an argument.
//
// A schedule comes from a manifest's [Schedule <identifier>] group or from an app's request with
// a RepeatInterval (periodic) or only a BackoffDelay (retried until it succeeds). bgtaskd keeps
// one pending request per schedule and, after each run, submits the next one not before:
//
//   after a failure (failures = n ≥ 1):  end of that run + backoff(n)
//   otherwise, once a period has begun:  periodStart + interval − flex + jitter(randomizedDelay)
//   before any run (first request):      firstRun + jitter(randomizedDelay)
//
//   backoff(n) = d/2 + jitter(d − d/2), d = min(backoffDelay · 2^(n−1), maxBackoffDelay)
//   jitter(x)  = a uniform draw from [0, x], fixed by the seed
//
// A period begins with a successful run (or a skipped one: a run or request the app or an
// administrator cancelled). A time in the past means "due at once": a schedule whose interval
// passed while the machine was off runs as soon as its conditions allow, like systemd's
// Persistent=true, but waiting for them instead of being skipped.
#pragma once

#include "RequestOptions.h"
#include "Run.h"
#include "Time.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bgtask::core {

inline constexpr Duration kMinRepeatInterval = std::chrono::minutes(1);
inline constexpr Duration kMaxScheduleSpan = std::chrono::hours(366 * 24);   // intervals, delays, bounds
inline constexpr Duration kMinBackoffDelay = std::chrono::seconds(10);
inline constexpr Duration kDefaultBackoffDelay = std::chrono::seconds(30);
inline constexpr Duration kDefaultMaxBackoffDelay = std::chrono::hours(5);

// What repeats, with the defaults applied.
struct Schedule {
    std::optional<Duration> interval;   // nullopt: not periodic, retried until a run succeeds
    Duration flex{};
    Duration randomizedDelay{};
    Duration backoffDelay = kDefaultBackoffDelay;
    Duration maxBackoffDelay = kDefaultMaxBackoffDelay;

    bool operator==(const Schedule&) const = default;
};

// The schedule the options ask for: periodic with a repeatInterval, retry-only with a
// backoffDelay and no interval; nullopt when neither is set. Assumes valid options.
std::optional<Schedule> scheduleOf(const RequestOptions& options);

// The bounds, each an InvalidArgument: "out-of-range" for RepeatInterval outside 1 min–366 d,
// Flex negative or not below RepeatInterval, RandomizedDelay outside 0–366 d, BackoffDelay
// outside 10 s–366 d, MaxBackoffDelay below the backoff delay (given or default) or above
// 366 d; "option-not-applicable" for Flex or RandomizedDelay without RepeatInterval, and for
// MaxBackoffDelay with neither RepeatInterval nor BackoffDelay.
void checkScheduleOptions(const RequestOptions& options);

// Where a schedule is declared: the app's manifest (bgtaskd submits it; the app cannot cancel
// it for good) or a request the app submitted.
enum class ScheduleSource { Manifest, App };
std::string_view toString(ScheduleSource source);              // "manifest" | "app"
std::optional<ScheduleSource> parseScheduleSource(std::string_view text);

// What bgtaskd keeps of a schedule, durably.
struct ScheduleState {
    std::optional<TimePoint> periodStart;   // the interval counts from here
    std::optional<TimePoint> lastSuccess;   // end of the newest successful run
    std::optional<TimePoint> lastEnd;       // end of the newest run, whatever its outcome
    std::uint32_t failures = 0;             // unsuccessful runs since the last success

    bool operator==(const ScheduleState&) const = default;
};

// One schedule's durable row: whose it is, where it was declared and its state.
struct ScheduleRecord {
    std::string app;
    std::string identifier;
    ScheduleSource source = ScheduleSource::App;
    ScheduleState state;

    bool operator==(const ScheduleRecord&) const = default;
};

// What a finished run means for its schedule.
enum class RunVerdict {
    Success,    // completed
    Failure,    // failed, expired, terminated, launch failed, the app exited
    Skipped,    // the app or an administrator cancelled it while it ran
    Unchanged,  // interrupted by the daemon's restart (the request is put back as it was)
};
std::string_view toString(RunVerdict verdict);   // "success" | "failure" | "skipped" | "unchanged"

// Completed is a success even if a cancel came too late; interrupted and cancelled (continued
// processing, which has no schedules) change nothing; any other outcome is a skip when the run
// was cancelled, else a failure.
RunVerdict verdictOf(Outcome outcome, bool cancelledWhileRunning);

// The state after a run with this verdict ended at `at` (or a pending request was skipped at
// `at`): a success or a skip begins a period and clears the failures; a failure counts one more
// (saturating).
ScheduleState advance(ScheduleState state, RunVerdict verdict, TimePoint at);

// Whether another request follows: periodic schedules after anything but Unchanged, retry-only
// ones after a failure.
bool continuesAfter(const Schedule& schedule, RunVerdict verdict);

// A uniform draw from [0, span] determined by the seed (0 for an empty or negative span).
Duration jitter(std::uint64_t seed, Duration span);
// The delay before retry n (n ≥ 1): between half and all of min(backoffDelay · 2^(n−1),
// maxBackoffDelay). 0 for n = 0.
Duration backoffDelay(const Schedule& schedule, std::uint32_t failures, std::uint64_t seed);
// When the schedule's next request may run at the earliest (see the top of this file).
// firstRun is the floor of a schedule that has not run yet (the moment it was declared, or the
// app's EarliestBeginDate).
TimePoint nextRunNotBefore(const Schedule& schedule, const ScheduleState& state, TimePoint firstRun,
                           std::uint64_t seed);

} // namespace bgtask::core
