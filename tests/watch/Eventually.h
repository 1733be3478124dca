// SPDX-License-Identifier: LGPL-2.1-or-later
// Waiting without sleeps: run the sd-event loop until a condition holds (eventually) or check
// that it keeps holding while the loop runs (staysTrue), and a sink that records what sources
// publish. Shared by the udev and D-Bus component tests.
#pragma once

#include "watch/StateSource.h"

#include <systemd/sd-event.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>

namespace bgtask::watch::test {

using namespace std::chrono_literals;

inline bool eventually(sd_event* event, const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = 5000ms)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        sd_event_run(event, 20'000);
    }
    return true;
}

inline bool staysTrue(sd_event* event, const std::function<bool()>& condition,
                      std::chrono::milliseconds duration = 300ms)
{
    const auto end = std::chrono::steady_clock::now() + duration;
    while (std::chrono::steady_clock::now() < end) {
        if (!condition())
            return false;
        sd_event_run(event, 20'000);
    }
    return condition();
}

// Applies every update to one SystemState and counts updates per source and replans.
struct RecordingSink final : StateSink {
    core::SystemState state;
    std::map<std::string, int> updates;
    int replans = 0;

    void update(std::string_view source, const std::function<void(core::SystemState&)>& apply) override
    {
        apply(state);
        ++updates[std::string(source)];
    }
    void replan() override { ++replans; }
    int updatesFrom(const std::string& source) const
    {
        const auto it = updates.find(source);
        return it == updates.end() ? 0 : it->second;
    }
};

} // namespace bgtask::watch::test
