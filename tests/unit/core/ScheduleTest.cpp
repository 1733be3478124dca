// SPDX-License-Identifier: LGPL-2.1-or-later
// The rules of periodic work and retries (core/Schedule.h): which schedule options describe,
// their bounds, what a run's outcome means, how the state moves on, jitter, backoff and the
// next due time, as grids over state and time.
#include "Fixtures.h"

#include "core/Schedule.h"
#include "core/Validation.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <set>

using namespace bgtask::core;
using namespace bgtask::core::test;
using namespace std::chrono_literals;

namespace {

RequestOptions periodic(Duration interval)
{
    RequestOptions o;
    o.repeatInterval = interval;
    return o;
}

constexpr Outcome kAllOutcomes[] = {Outcome::Completed,    Outcome::Failed,    Outcome::Expired,
                                    Outcome::Terminated,   Outcome::LaunchFailed, Outcome::AppExited,
                                    Outcome::Interrupted,  Outcome::Cancelled,    Outcome::Dropped};

} // namespace

TEST_CASE("Options describe a periodic schedule, a retry-only one, or none, with the defaults filled in")
{
    RequestOptions none;
    none.requiresExternalPower = true;
    CHECK_FALSE(scheduleOf(none).has_value());

    const auto every = scheduleOf(periodic(12h));
    REQUIRE(every.has_value());
    CHECK(every->interval == std::optional<Duration>(12h));
    CHECK(every->flex == 0s);
    CHECK(every->randomizedDelay == 0s);
    CHECK(every->backoffDelay == kDefaultBackoffDelay);
    CHECK(every->maxBackoffDelay == kDefaultMaxBackoffDelay);
    CHECK(kDefaultBackoffDelay == 30s);
    CHECK(kDefaultMaxBackoffDelay == 5h);

    RequestOptions retry;
    retry.backoffDelay = 1min;
    retry.maxBackoffDelay = 1h;
    const auto retries = scheduleOf(retry);
    REQUIRE(retries.has_value());
    CHECK_FALSE(retries->interval.has_value());
    CHECK(retries->backoffDelay == 1min);
    CHECK(retries->maxBackoffDelay == 1h);

    auto full = periodic(24h);
    full.flex = 2h;
    full.randomizedDelay = 30min;
    full.backoffDelay = 10s;
    full.maxBackoffDelay = 10s;
    CHECK(scheduleOf(full) == std::optional<Schedule>(Schedule{24h, 2h, 30min, 10s, 10s}));
}

TEST_CASE("Schedule options within their bounds are accepted")
{
    auto o = GENERATE(periodic(1min), periodic(12h), periodic(366 * 24h), [] {
        auto x = periodic(1h);
        x.flex = 59min + 59s;
        x.randomizedDelay = 366 * 24h;
        x.backoffDelay = 10s;
        x.maxBackoffDelay = 10s;
        return x;
    }(), [] {
        RequestOptions x;
        x.backoffDelay = 366 * 24h;
        x.maxBackoffDelay = 366 * 24h;
        return x;
    }(), [] {
        auto x = periodic(1h);
        x.maxBackoffDelay = 30s;   // the default BackoffDelay
        return x;
    }());
    CHECK_NOTHROW(checkScheduleOptions(o));
}

TEST_CASE("Schedule options out of their bounds are refused with the sub-reason that names the problem")
{
    struct Case {
        const char* what;
        RequestOptions options;
        const char* subReason;
    };
    const auto make = [](auto change) {
        RequestOptions o;
        change(o);
        return o;
    };
    const auto c = GENERATE_COPY(values<Case>({
        {"interval below 1 min", periodic(59s), "out-of-range"},
        {"interval zero", periodic(0s), "out-of-range"},
        {"interval negative", periodic(-1h), "out-of-range"},
        {"interval above 366 d", periodic(366 * 24h + 1s), "out-of-range"},
        {"flex equal to the interval", make([](auto& o) { o = periodic(1h); o.flex = 1h; }), "out-of-range"},
        {"flex negative", make([](auto& o) { o = periodic(1h); o.flex = -1s; }), "out-of-range"},
        {"randomized delay negative", make([](auto& o) { o = periodic(1h); o.randomizedDelay = -1s; }), "out-of-range"},
        {"randomized delay above 366 d",
         make([](auto& o) { o = periodic(1h); o.randomizedDelay = 367 * 24h; }), "out-of-range"},
        {"backoff below 10 s", make([](auto& o) { o.backoffDelay = 9s; }), "out-of-range"},
        {"backoff above 366 d", make([](auto& o) { o.backoffDelay = 367 * 24h; }), "out-of-range"},
        {"max backoff below the backoff", make([](auto& o) { o.backoffDelay = 1min; o.maxBackoffDelay = 59s; }),
         "out-of-range"},
        {"max backoff below the default backoff",
         make([](auto& o) { o = periodic(1h); o.maxBackoffDelay = 29s; }), "out-of-range"},
        {"flex without interval", make([](auto& o) { o.flex = 1min; }), "option-not-applicable"},
        {"flex with only a backoff", make([](auto& o) { o.backoffDelay = 1min; o.flex = 1min; }),
         "option-not-applicable"},
        {"randomized delay without interval", make([](auto& o) { o.randomizedDelay = 1min; }),
         "option-not-applicable"},
        {"max backoff alone", make([](auto& o) { o.maxBackoffDelay = 1h; }), "option-not-applicable"},
    }));
    INFO(c.what);
    requireError([&] { checkScheduleOptions(c.options); }, ErrorCode::InvalidArgument, c.subReason);
}

TEST_CASE("Schedule options apply to the scheduled kinds only, and submit validation checks their bounds")
{
    const auto kind = GENERATE(TaskKind::AppRefresh, TaskKind::Processing, TaskKind::HealthResearch,
                               TaskKind::ContinuedProcessing);
    CAPTURE(kind);
    auto request = validRequest(kind);
    request.options.repeatInterval = 1h;
    if (kind == TaskKind::ContinuedProcessing)
        requireError([&] { validateRequest(fullManifest(), request); }, ErrorCode::InvalidArgument,
                     "option-not-applicable");
    else
        CHECK_NOTHROW(validateRequest(fullManifest(), request));
    if (kind != TaskKind::ContinuedProcessing) {
        request.options.flex = 1h;
        requireError([&] { validateRequest(fullManifest(), request); }, ErrorCode::InvalidArgument,
                     "out-of-range");
    }
}

TEST_CASE("A run's outcome is a success, a failure, a skip when it was cancelled, or changes nothing")
{
    const auto outcome = GENERATE(from_range(std::begin(kAllOutcomes), std::end(kAllOutcomes)));
    const bool cancelled = GENERATE(false, true);
    CAPTURE(toString(outcome), cancelled);
    const auto verdict = verdictOf(outcome, cancelled);
    switch (outcome) {
    case Outcome::Completed: CHECK(verdict == RunVerdict::Success); break;
    case Outcome::Interrupted:
    case Outcome::Cancelled:
    case Outcome::Dropped: CHECK(verdict == RunVerdict::Unchanged); break;
    default: CHECK(verdict == (cancelled ? RunVerdict::Skipped : RunVerdict::Failure)); break;
    }
}

TEST_CASE("A success or a skip begins a period and clears the failures; a failure counts one more")
{
    const TimePoint t0 = referenceTime();
    const TimePoint at = t0 + 3h;
    const auto before = GENERATE_COPY(values<ScheduleState>({
        {},
        {t0, t0, t0, 0},
        {t0 - 1h, t0 - 1h, t0, 3},
        {std::nullopt, std::nullopt, t0, 1},
        {t0, t0 - 2h, t0, std::numeric_limits<std::uint32_t>::max()},
    }));
    const auto verdict = GENERATE(RunVerdict::Success, RunVerdict::Failure, RunVerdict::Skipped, RunVerdict::Unchanged);
    CAPTURE(toString(verdict), before.failures);
    const auto after = advance(before, verdict, at);
    switch (verdict) {
    case RunVerdict::Success: CHECK(after == ScheduleState{at, at, at, 0}); break;
    case RunVerdict::Skipped: CHECK(after == ScheduleState{at, before.lastSuccess, at, 0}); break;
    case RunVerdict::Failure:
        CHECK(after.periodStart == before.periodStart);
        CHECK(after.lastSuccess == before.lastSuccess);
        CHECK(after.lastEnd == std::optional<TimePoint>(at));
        CHECK(after.failures == std::max(before.failures, before.failures + 1));   // saturates
        break;
    case RunVerdict::Unchanged: CHECK(after == before); break;
    }
}

TEST_CASE("Periodic schedules go on after every verdict but Unchanged; retry-only ones only after a failure")
{
    const bool isPeriodic = GENERATE(true, false);
    const auto verdict = GENERATE(RunVerdict::Success, RunVerdict::Failure, RunVerdict::Skipped, RunVerdict::Unchanged);
    CAPTURE(isPeriodic, toString(verdict));
    Schedule schedule;
    if (isPeriodic)
        schedule.interval = 1h;
    const bool expected = verdict != RunVerdict::Unchanged && (isPeriodic || verdict == RunVerdict::Failure);
    CHECK(continuesAfter(schedule, verdict) == expected);
}

TEST_CASE("Jitter is a draw from zero to the span that the seed determines")
{
    const Duration span = GENERATE(as<Duration>{}, 0s, -1s, 1us, 1s, 1h, 366 * 24h, 100 * 366 * 24h);
    CAPTURE(span.count());
    std::set<Duration::rep> seen;
    for (std::uint64_t seed : {0ULL, 1ULL, 2ULL, 42ULL, 0xffffffffffffffffULL, 0x8000000000000000ULL}) {
        const auto j = jitter(seed, span);
        CHECK(j == jitter(seed, span));   // deterministic
        CHECK(j >= 0s);
        CHECK(j <= std::max(span, Duration::zero()));
        seen.insert(j.count());
    }
    if (span >= 1s)
        CHECK(seen.size() >= 5);   // neighbouring seeds give different draws
}

TEST_CASE("Jitter over many seeds spreads evenly over its span")
{
    const Duration span = 1h;
    int buckets[10] = {};
    for (std::uint64_t seed = 0; seed < 10000; ++seed)
        ++buckets[std::min<std::int64_t>(9, jitter(seed, span) * 10 / span)];
    for (int count : buckets)
        CHECK((count > 850 && count < 1150));
}

TEST_CASE("Backoff doubles from its base up to its maximum, jittered between half and all of it")
{
    const auto [base, max] = GENERATE(table<Duration, Duration>({
        {30s, 5h}, {10s, 10s}, {1min, 1h}, {366 * 24h, 366 * 24h}, {10s, 366 * 24h}}));
    const std::uint32_t failures = GENERATE(1u, 2u, 3u, 5u, 10u, 20u, 40u, 63u, 64u, 1000u,
                                            std::numeric_limits<std::uint32_t>::max());
    const std::uint64_t seed = GENERATE(0ULL, 7ULL, 123456789ULL);
    CAPTURE(base.count(), max.count(), failures, seed);
    Schedule schedule;
    schedule.backoffDelay = base;
    schedule.maxBackoffDelay = max;
    Duration d = base;
    for (std::uint32_t n = 1; n < failures && d < max; ++n)
        d = std::min(d * 2, max);
    const auto delay = backoffDelay(schedule, failures, seed);
    CHECK(delay >= d / 2);
    CHECK(delay <= d);
    CHECK(delay <= max);
    CHECK(backoffDelay(schedule, 0, seed) == 0s);
}

TEST_CASE("The default backoff retries after 15-30 s, then 30-60 s, 1-2 min, and at most 5 h")
{
    const Schedule schedule = *scheduleOf(periodic(24h));
    const auto [failures, low, high] = GENERATE(table<std::uint32_t, Duration, Duration>({
        {1, 15s, 30s}, {2, 30s, 60s}, {3, 1min, 2min}, {4, 2min, 4min}, {10, 128min, 256min},
        {11, 150min, 5h}, {100, 150min, 5h}}));
    CAPTURE(failures);
    for (std::uint64_t seed = 0; seed < 50; ++seed) {
        const auto delay = backoffDelay(schedule, failures, seed);
        CHECK(delay >= low);
        CHECK(delay <= high);
    }
}

TEST_CASE("The next run is due a backoff after a failure, an interval less flex after the period began, "
          "or at once at first, plus the randomized delay")
{
    const TimePoint now = referenceTime();
    const TimePoint first = now + 5min;
    const Duration interval = GENERATE(as<Duration>{}, 1min, 12h, 7 * 24h);
    const Duration flex = GENERATE(as<Duration>{}, 0s, 30s);
    const Duration randomized = GENERATE(as<Duration>{}, 0s, 10min);
    const std::uint64_t seed = GENERATE(1ULL, 99ULL);
    Schedule schedule{interval, flex, randomized, 30s, 5h};
    CAPTURE(interval.count(), flex.count(), randomized.count(), seed);

    SECTION("never run: the first floor plus the randomized delay")
    {
        const auto next = nextRunNotBefore(schedule, {}, first, seed);
        CHECK(next >= first);
        CHECK(next <= first + randomized);
        CHECK(next - first == jitter(seed, randomized));
    }
    SECTION("after a success: interval less flex after it, plus the randomized delay")
    {
        const ScheduleState state{now - 1h, now - 1h, now - 1h, 0};
        const auto next = nextRunNotBefore(schedule, state, first, seed);
        CHECK(next == now - 1h + interval - flex + jitter(seed, randomized));
    }
    SECTION("after failures: the end of the last run plus the backoff, whatever the interval")
    {
        const std::uint32_t failures = GENERATE(1u, 4u);
        const ScheduleState state{now - 2h, now - 2h, now - 1min, failures};
        const auto next = nextRunNotBefore(schedule, state, first, seed);
        CHECK(next == now - 1min + backoffDelay(schedule, failures, seed));
    }
}

TEST_CASE("A schedule whose interval passed while the machine was off is due at once, like Persistent=true")
{
    const TimePoint now = referenceTime();
    const Duration off = GENERATE(as<Duration>{}, 12h + 1s, 3 * 24h, 400 * 24h);
    Schedule schedule{12h, 0s, 0s, 30s, 5h};
    const ScheduleState state{now - off, now - off, now - off, 0};
    CAPTURE(off.count());
    CHECK(nextRunNotBefore(schedule, state, now, 5) < now);
}

TEST_CASE("The next run of a schedule whose floor is the end of time stays at the end of time")
{
    // An app may submit EarliestBeginDate = INT64_MAX µs; the randomized delay, an interval or a
    // backoff added to it used to overflow into the distant past (found by fuzz_options).
    const TimePoint end = TimePoint::max();
    const Schedule schedule{12h, 1h, 366 * 24h, 30s, 5h};
    const std::uint64_t seed = GENERATE(1ULL, 99ULL, 12345ULL);
    CAPTURE(seed);
    CHECK(nextRunNotBefore(schedule, {}, end, seed) == end);
    CHECK(nextRunNotBefore(schedule, ScheduleState{end, end, end, 0}, end, seed) == end);
    CHECK(nextRunNotBefore(schedule, ScheduleState{end, end, end, 3}, end, seed) == end);
    CHECK(addClamped(TimePoint::min(), -1s) == TimePoint::min());
    CHECK(addClamped(referenceTime(), 1s) == referenceTime() + 1s);
}

TEST_CASE("A retry-only schedule's first run is at its floor and its retries back off")
{
    const TimePoint now = referenceTime();
    Schedule retry{std::nullopt, 0s, 0s, 1min, 1h};
    CHECK(nextRunNotBefore(retry, {}, now, 3) == now);
    const ScheduleState failed = advance({}, RunVerdict::Failure, now);
    const auto next = nextRunNotBefore(retry, failed, now + 1h, 3);
    CHECK(next >= now + 30s);
    CHECK(next <= now + 1min);
}

TEST_CASE("Schedule sources have stable spellings")
{
    CHECK(toString(ScheduleSource::Manifest) == "manifest");
    CHECK(toString(ScheduleSource::App) == "app");
    CHECK(parseScheduleSource("manifest") == std::optional<ScheduleSource>(ScheduleSource::Manifest));
    CHECK(parseScheduleSource("app") == std::optional<ScheduleSource>(ScheduleSource::App));
    CHECK_FALSE(parseScheduleSource("App").has_value());
    CHECK_FALSE(parseScheduleSource("").has_value());
}
