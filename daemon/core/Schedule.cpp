// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Schedule.h"

#include "Error.h"
#include "TimeSpan.h"

#include <limits>
#include <string>

namespace bgtask::core {

namespace {

[[noreturn]] void outOfRange(const std::string& text)
{
    throw Error(ErrorCode::InvalidArgument, "out-of-range", text);
}

[[noreturn]] void notApplicable(const std::string& text)
{
    throw Error(ErrorCode::InvalidArgument, "option-not-applicable", text);
}

void checkSpan(const char* name, const std::optional<Duration>& value, Duration min)
{
    if (value && (*value < min || *value > kMaxScheduleSpan))
        outOfRange(std::string(name) + " must be between " + formatTimeSpan(min) + " and " +
                   formatTimeSpan(kMaxScheduleSpan) + ", not " +
                   (*value < Duration::zero() ? "negative" : formatTimeSpan(*value)));
}

// splitmix64: a few multiplications turn neighbouring seeds into unrelated 64-bit values.
std::uint64_t mix(std::uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

} // namespace

std::optional<Schedule> scheduleOf(const RequestOptions& options)
{
    if (!options.repeatInterval && !options.backoffDelay)
        return std::nullopt;
    Schedule schedule;
    schedule.interval = options.repeatInterval;
    schedule.flex = options.flex.value_or(Duration::zero());
    schedule.randomizedDelay = options.randomizedDelay.value_or(Duration::zero());
    schedule.backoffDelay = options.backoffDelay.value_or(kDefaultBackoffDelay);
    schedule.maxBackoffDelay = options.maxBackoffDelay.value_or(kDefaultMaxBackoffDelay);
    return schedule;
}

void checkScheduleOptions(const RequestOptions& o)
{
    if (!o.repeatInterval) {
        if (o.flex)
            notApplicable("Flex applies only to requests with a RepeatInterval");
        if (o.randomizedDelay)
            notApplicable("RandomizedDelay applies only to requests with a RepeatInterval");
        if (o.maxBackoffDelay && !o.backoffDelay)
            notApplicable("MaxBackoffDelay applies only to requests with a RepeatInterval or a BackoffDelay");
    }
    checkSpan("RepeatInterval", o.repeatInterval, kMinRepeatInterval);
    if (o.flex && (*o.flex < Duration::zero() || *o.flex >= *o.repeatInterval))
        outOfRange("Flex must be at least 0 and less than the RepeatInterval (" +
                   formatTimeSpan(*o.repeatInterval) + ")");
    checkSpan("RandomizedDelay", o.randomizedDelay, Duration::zero());
    checkSpan("BackoffDelay", o.backoffDelay, kMinBackoffDelay);
    checkSpan("MaxBackoffDelay", o.maxBackoffDelay, o.backoffDelay.value_or(kDefaultBackoffDelay));
}

std::string_view toString(ScheduleSource source)
{
    switch (source) {
    case ScheduleSource::Manifest: return "manifest";
    case ScheduleSource::App: return "app";
    }
    return "unknown";
}

std::optional<ScheduleSource> parseScheduleSource(std::string_view text)
{
    for (auto source : {ScheduleSource::Manifest, ScheduleSource::App})
        if (toString(source) == text)
            return source;
    return std::nullopt;
}

std::string_view toString(RunVerdict verdict)
{
    switch (verdict) {
    case RunVerdict::Success: return "success";
    case RunVerdict::Failure: return "failure";
    case RunVerdict::Skipped: return "skipped";
    case RunVerdict::Unchanged: return "unchanged";
    }
    return "unknown";
}

RunVerdict verdictOf(Outcome outcome, bool cancelledWhileRunning)
{
    switch (outcome) {
    case Outcome::Completed: return RunVerdict::Success;
    case Outcome::Interrupted:
    case Outcome::Cancelled:
    case Outcome::Dropped: return RunVerdict::Unchanged;
    case Outcome::Failed:
    case Outcome::Expired:
    case Outcome::Terminated:
    case Outcome::LaunchFailed:
    case Outcome::AppExited: break;
    }
    return cancelledWhileRunning ? RunVerdict::Skipped : RunVerdict::Failure;
}

ScheduleState advance(ScheduleState state, RunVerdict verdict, TimePoint at)
{
    switch (verdict) {
    case RunVerdict::Success:
        state.lastSuccess = at;
        [[fallthrough]];
    case RunVerdict::Skipped:
        state.periodStart = at;
        state.lastEnd = at;
        state.failures = 0;
        break;
    case RunVerdict::Failure:
        state.lastEnd = at;
        if (state.failures < std::numeric_limits<std::uint32_t>::max())
            ++state.failures;
        break;
    case RunVerdict::Unchanged: break;
    }
    return state;
}

bool continuesAfter(const Schedule& schedule, RunVerdict verdict)
{
    if (verdict == RunVerdict::Unchanged)
        return false;
    return schedule.interval.has_value() || verdict == RunVerdict::Failure;
}

Duration jitter(std::uint64_t seed, Duration span)
{
    if (span <= Duration::zero())
        return Duration::zero();
    // 53 random bits make a double in [0, 1); spans (at most 100 years in microseconds, 2^52)
    // fit its mantissa, so the product stays within [0, span].
    const double fraction = static_cast<double>(mix(seed) >> 11) * 0x1.0p-53;
    return Duration(static_cast<Duration::rep>(static_cast<double>(span.count()) * fraction));
}

Duration backoffDelay(const Schedule& schedule, std::uint32_t failures, std::uint64_t seed)
{
    if (failures == 0)
        return Duration::zero();
    Duration delay = std::min(schedule.backoffDelay, schedule.maxBackoffDelay);
    for (std::uint32_t n = 1; n < failures && delay < schedule.maxBackoffDelay; ++n)
        delay = std::min(delay * 2, schedule.maxBackoffDelay);
    const Duration half = delay / 2;
    return half + jitter(seed, delay - half);
}

TimePoint nextRunNotBefore(const Schedule& schedule, const ScheduleState& state, TimePoint firstRun,
                           std::uint64_t seed)
{
    // Clamped: the floor may be an app's EarliestBeginDate at the end of time.
    if (state.failures > 0 && state.lastEnd)
        return addClamped(*state.lastEnd, backoffDelay(schedule, state.failures, seed));
    TimePoint base = firstRun;
    if (state.periodStart && schedule.interval)
        base = addClamped(*state.periodStart, *schedule.interval - schedule.flex);
    return addClamped(base, jitter(seed, schedule.randomizedDelay));
}

} // namespace bgtask::core
