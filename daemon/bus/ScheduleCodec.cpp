// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ScheduleCodec.h"

#include <bgtask-api/OptionKeys.h>

namespace bgtask::bus {
namespace key = api::key;
namespace {

std::int64_t usec(const std::optional<core::TimePoint>& t) { return t ? core::toUsec(*t) : 0; }
std::int64_t usec(core::Duration d) { return d.count(); }

} // namespace

std::map<std::string, sdbus::Variant> encodeSchedule(const service::ScheduleView& view)
{
    const auto& s = view.schedule;
    const auto& state = view.record.state;
    return {{key::kApp, view.record.app},
            {key::kIdentifier, view.record.identifier},
            {key::kKind, std::string(toString(view.kind))},
            {key::kSource, std::string(toString(view.record.source))},
            {key::kInterval, s.interval ? usec(*s.interval) : std::int64_t{0}},
            {key::kFlex, usec(s.flex)},
            {key::kRandomizedDelay, usec(s.randomizedDelay)},
            {key::kBackoffDelay, usec(s.backoffDelay)},
            {key::kMaxBackoffDelay, usec(s.maxBackoffDelay)},
            {key::kPeriodStart, usec(state.periodStart)},
            {key::kLastSuccess, usec(state.lastSuccess)},
            {key::kLastRunEnd, usec(state.lastEnd)},
            {key::kFailures, static_cast<std::uint32_t>(state.failures)},
            {key::kNextRunNotBefore, usec(view.nextRunNotBefore)},
            {key::kRunning, view.running}};
}

std::vector<std::map<std::string, sdbus::Variant>> encodeSchedules(const std::vector<service::ScheduleView>& schedules)
{
    std::vector<std::map<std::string, sdbus::Variant>> out;
    out.reserve(schedules.size());
    for (const auto& schedule : schedules)
        out.push_back(encodeSchedule(schedule));
    return out;
}

} // namespace bgtask::bus
