// SPDX-License-Identifier: LGPL-2.1-or-later
#include "StateAggregator.h"

#include "service/Log.h"

#include <array>

namespace bgtask::watch {
namespace {

using core::SystemState;

auto log()
{
    static auto l = service::logger("watch");
    return l;
}

struct Field {
    const char* name;
    bool (*same)(const SystemState&, const SystemState&);
};

#define BGTASK_FIELD(f) Field{#f, [](const SystemState& a, const SystemState& b) { return a.f == b.f; }}
constexpr std::array kFields{
    BGTASK_FIELD(onExternalPower), BGTASK_FIELD(batteryPercent), BGTASK_FIELD(batteryState),
    BGTASK_FIELD(connectivity),    BGTASK_FIELD(metered),        BGTASK_FIELD(gpuAvailable),
    BGTASK_FIELD(sessionLocked),   BGTASK_FIELD(userIdle),       BGTASK_FIELD(userLoggedInSinceBoot),
    BGTASK_FIELD(lowPowerMode),
};
#undef BGTASK_FIELD

// Every field known, with values no source produces for the percentage.
SystemState filledProbe()
{
    SystemState s;
    s.onExternalPower = true;
    s.batteryPercent = -1;
    s.batteryState = core::BatteryState::Charging;
    s.connectivity = core::Connectivity::None;
    s.metered = true;
    s.gpuAvailable = true;
    s.sessionLocked = true;
    s.userIdle = true;
    s.userLoggedInSinceBoot = true;
    s.lowPowerMode = true;
    return s;
}

} // namespace

StateAggregator::StateAggregator(std::function<void()> scheduleFlush,
                                 std::function<void(const core::SystemState&)> onChange,
                                 std::function<void()> onReplan)
    : scheduleFlush_(std::move(scheduleFlush)), onChange_(std::move(onChange)), onReplan_(std::move(onReplan))
{
}

void StateAggregator::update(std::string_view source, const std::function<void(core::SystemState&)>& apply)
{
    recordSource(source, apply);
    apply(state_);
    if (state_ == published_ || flushScheduled_)
        return;
    flushScheduled_ = true;
    scheduleFlush_();
}

void StateAggregator::replan()
{
    if (onReplan_)
        onReplan_();
}

void StateAggregator::flush()
{
    flushScheduled_ = false;
    if (state_ == published_)
        return;
    published_ = state_;
    log()->debug("Publishing a new system state");
    onChange_(published_);
}

// A source assigns its fields unconditionally (StateSink's contract): applied to an all-unknown
// and an all-known probe, exactly the fields it writes come out equal.
void StateAggregator::recordSource(std::string_view source, const std::function<void(core::SystemState&)>& apply)
{
    SystemState blank;
    SystemState filled = filledProbe();
    apply(blank);
    apply(filled);
    for (const auto& field : kFields)
        if (field.same(blank, filled))
            sources_[field.name] = std::string(source);
}

} // namespace bgtask::watch
