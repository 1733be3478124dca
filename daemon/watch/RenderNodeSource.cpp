// SPDX-License-Identifier: LGPL-2.1-or-later
#include "RenderNodeSource.h"

#include "service/Log.h"

namespace bgtask::watch {
namespace {

auto log()
{
    static auto l = service::logger("watch.gpu");
    return l;
}

} // namespace

RenderNodeSource::RenderNodeSource(sd_event* event) : monitor_(event, "drm") {}

void RenderNodeSource::start(StateSink& sink)
{
    sink_ = &sink;
    const auto error = monitor_.start([this](sd_device* d, sd_device_action_t a) { onDevice(d, a); });
    started_ = true;
    if (!error.empty()) {
        log()->warn("Failed to watch render nodes: {}, GPU availability unknown", error);
        publish(std::nullopt);
        return;
    }
    publish(!renderNodes_.empty());
}

void RenderNodeSource::onDevice(sd_device* device, sd_device_action_t action)
{
    const char* sysname = nullptr;
    const char* syspath = nullptr;
    if (sd_device_get_sysname(device, &sysname) < 0 || sd_device_get_syspath(device, &syspath) < 0)
        return;
    if (!std::string_view(sysname).starts_with("renderD"))
        return;
    if (action == SD_DEVICE_REMOVE || action == SD_DEVICE_UNBIND)
        renderNodes_.erase(syspath);
    else
        renderNodes_.insert(syspath);
    log()->debug("{} {}: {} render node(s)", sysname, action == SD_DEVICE_REMOVE ? "removed" : "present",
                 renderNodes_.size());
    if (started_)
        publish(!renderNodes_.empty());
}

void RenderNodeSource::publish(std::optional<bool> available)
{
    if (published_ && *published_ == available)
        return;
    published_ = available;
    log()->info("GPU: {}", available ? (*available ? "render node available" : "no render node") : "unknown");
    sink_->update(name(), [available](core::SystemState& s) { s.gpuAvailable = available; });
}

} // namespace bgtask::watch
