// SPDX-License-Identifier: LGPL-2.1-or-later
#include "CatchUp.h"

#include <algorithm>
#include <limits>
#include <tuple>

namespace bgtask::core {

namespace {

bool governs(const CatchUpState& state, const CatchUpLimits& limits)
{
    return state.active() && limits.launches > 0 && limits.window > Duration{0};
}

// The launches still inside the sliding window (now - window, now], oldest first.
std::span<const TimePoint> inWindow(const CatchUpState& state, const CatchUpLimits& limits, TimePoint now)
{
    const auto first = std::ranges::upper_bound(state.launches, now - limits.window);
    return {first, state.launches.end()};
}

} // namespace

CatchUpState governingCatchUp(const CatchUpState& state, const CatchUpLimits& limits, std::size_t due,
                              TimePoint now)
{
    if (state.active() || !governs(CatchUpState{now, {}, {}}, limits) || due <= limits.launches)
        return state;
    return {now, {}, std::to_string(due) + " requests due at once"};
}

std::size_t catchUpQuota(const CatchUpState& state, const CatchUpLimits& limits, TimePoint now)
{
    if (!governs(state, limits))
        return std::numeric_limits<std::size_t>::max();
    const std::size_t used = inWindow(state, limits, now).size();
    return used < limits.launches ? limits.launches - used : 0;
}

// With the quota spent, `launches` or more launches lie inside the window; the quota grows when
// the one that would make room, the launches-th newest, leaves it.
std::optional<TimePoint> catchUpReopens(const CatchUpState& state, const CatchUpLimits& limits, TimePoint now)
{
    if (catchUpQuota(state, limits, now) > 0)
        return std::nullopt;
    const auto window = inWindow(state, limits, now);
    return window[window.size() - limits.launches] + limits.window;
}

bool catchUpMayEnd(const CatchUpState& state, const CatchUpLimits& limits, TimePoint now)
{
    return state.active() && now >= *state.since + limits.window;
}

// Continued processing ignores its earliest begin date, and a date in the past is no later
// than the submission.
TimePoint dueSince(const TaskRequest& request)
{
    const auto& earliest = request.options.earliestBeginDate;
    if (request.kind == TaskKind::ContinuedProcessing || !earliest)
        return request.submittedAt;
    return std::max(request.submittedAt, *earliest);
}

void sortCatchUpLine(std::vector<const TaskRequest*>& line)
{
    std::ranges::sort(line, [](const TaskRequest* a, const TaskRequest* b) {
        return std::tuple(dueSince(*a), a->id) < std::tuple(dueSince(*b), b->id);
    });
}

std::string catchUpReason(std::size_t position, const CatchUpState& state, const CatchUpLimits& limits)
{
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(limits.window).count();
    std::string text = std::string(kBlockerCatchUp) + ": position " + std::to_string(position) + " in line";
    if (!state.cause.empty())
        text += " after " + state.cause;
    return text + "; at most " + std::to_string(limits.launches) + " launches per " + std::to_string(seconds) + " s";
}

} // namespace bgtask::core
