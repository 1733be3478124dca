// SPDX-License-Identifier: LGPL-2.1-or-later
// The "gpu" source: a GPU is available when udev knows a DRM render node (drm device named
// renderD*), the node through which compute and rendering work is submitted without a display.
// Owns its device monitor; borrows the sd_event loop and the sink.
#pragma once

#include "DeviceMonitor.h"
#include "StateSource.h"

#include <optional>
#include <set>
#include <string>

namespace bgtask::watch {

class RenderNodeSource final : public StateSource {
public:
    explicit RenderNodeSource(sd_event* event);

    std::string_view name() const override { return "gpu"; }
    void start(StateSink& sink) override;

private:
    void onDevice(sd_device* device, sd_device_action_t action);
    void publish(std::optional<bool> available);

    DeviceMonitor monitor_;
    StateSink* sink_ = nullptr;
    std::set<std::string> renderNodes_;   // syspaths
    bool started_ = false;
    std::optional<std::optional<bool>> published_;
};

} // namespace bgtask::watch
