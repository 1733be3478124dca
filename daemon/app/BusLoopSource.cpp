// SPDX-License-Identifier: LGPL-2.1-or-later
#include "BusLoopSource.h"

#include "EventLoop.h"

#include "service/Log.h"

#include <systemd/sd-event.h>

#include <cstdint>
#include <stdexcept>

namespace bgtask::app {

BusLoopSource::BusLoopSource(EventLoop& loop, sdbus::IConnection& connection)
    : connection_(connection)
{
    const auto pd = connection_.getEventLoopPollData();
    if (sd_event_add_io(loop.raw(), &io_, pd.fd, static_cast<std::uint32_t>(pd.events), &BusLoopSource::onIo, this) < 0 ||
        sd_event_add_time(loop.raw(), &timer_, CLOCK_MONOTONIC, UINT64_MAX, 0, &BusLoopSource::onTimer, this) < 0)
        throw std::runtime_error("Failed to attach the bus connection to the event loop");
    sd_event_source_set_prepare(io_, &BusLoopSource::onPrepare);
    sd_event_source_set_enabled(timer_, SD_EVENT_OFF);
}

BusLoopSource::~BusLoopSource()
{
    sd_event_source_unref(timer_);
    sd_event_source_unref(io_);
}

void BusLoopSource::process()
{
    for (;;) {
        try {
            if (!connection_.processPendingRequest())
                return;
        } catch (const std::exception& e) {
            // A handler let something escape; the message is lost, the daemon keeps serving.
            service::logger("bus")->error("Failed to process a bus message: {}, ignoring", e.what());
        }
    }
}

int BusLoopSource::onIo(sd_event_source*, int, std::uint32_t, void* self)
{
    static_cast<BusLoopSource*>(self)->process();
    return 0;
}

int BusLoopSource::onTimer(sd_event_source*, std::uint64_t, void* self)
{
    static_cast<BusLoopSource*>(self)->process();
    return 0;
}

int BusLoopSource::onPrepare(sd_event_source*, void* self)
{
    auto& source = *static_cast<BusLoopSource*>(self);
    const auto pd = source.connection_.getEventLoopPollData();
    sd_event_source_set_io_events(source.io_, static_cast<std::uint32_t>(pd.events));
    if (pd.timeout_usec == UINT64_MAX) {
        sd_event_source_set_enabled(source.timer_, SD_EVENT_OFF);
    } else {
        sd_event_source_set_time(source.timer_, pd.timeout_usec);
        sd_event_source_set_enabled(source.timer_, SD_EVENT_ONESHOT);
    }
    return 0;
}

} // namespace bgtask::app
