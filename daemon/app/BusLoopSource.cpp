// SPDX-License-Identifier: LGPL-2.1-or-later
#include "BusLoopSource.h"

#include "EventLoop.h"

#include "service/Log.h"

#include <systemd/sd-event.h>

#include <sdbus-c++/Error.h>

#include <sys/epoll.h>

#include <cstdint>
#include <stdexcept>

namespace bgtask::app {

BusLoopSource::BusLoopSource(EventLoop& loop, sdbus::IConnection& connection,
                             std::function<void()> onDisconnected, std::function<void()> afterIo)
    : connection_(connection), onDisconnected_(std::move(onDisconnected)), afterIo_(std::move(afterIo))
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
    while (connected_) {
        try {
            if (!connection_.processPendingRequest())
                return;
        } catch (const sdbus::Error& e) {
            const auto& name = e.getName();
            if (name == "org.freedesktop.DBus.Error.Disconnected" || name.find("ENOTCONN") != std::string::npos ||
                name.find("ECONNRESET") != std::string::npos ||
                name.find("EPIPE") != std::string::npos) {
                disconnected();
                return;
            }
            // A handler let something escape; the message is lost, the daemon keeps serving.
            service::logger("bus")->error("Failed to process a bus message: {}, ignoring", e.what());
        } catch (const std::exception& e) {
            service::logger("bus")->error("Failed to process a bus message: {}, ignoring", e.what());
        }
    }
}

void BusLoopSource::disconnected()
{
    connected_ = false;
    sd_event_source_set_enabled(io_, SD_EVENT_OFF);
    sd_event_source_set_enabled(timer_, SD_EVENT_OFF);
    if (onDisconnected_)
        onDisconnected_();
}

int BusLoopSource::onIo(sd_event_source*, int, std::uint32_t revents, void* self)
{
    auto& source = *static_cast<BusLoopSource*>(self);
    source.process();
    if (source.connected_ && (revents & (EPOLLHUP | EPOLLERR)))
        source.disconnected();   // nothing more will ever arrive on this fd
    if (source.afterIo_) {
        try {
            source.afterIo_();
        } catch (const std::exception& e) {
            service::logger("bus")->error("Failed to serve the calls of a bus message: {}, ignoring", e.what());
        }
    }
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
    if (!source.connected_)
        return 0;
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
