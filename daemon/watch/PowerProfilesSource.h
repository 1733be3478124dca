// SPDX-License-Identifier: LGPL-2.1-or-later
// The "power-profile" source: Low Power Mode is power-profiles-daemon's "power-saver" profile.
// Follows both of ppd's bus names, the current org.freedesktop.UPower.PowerProfiles and the
// legacy net.hadess.PowerProfiles (Debian 12's ppd 0.12), and reads ActiveProfile from the
// current one when it is owned, else from the legacy one; unknown when neither is. Owns its
// matches, name watches and proxy; borrows the connection and the sink.
#pragma once

#include "NameOwnerWatch.h"
#include "StateSource.h"

#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/IProxy.h>

#include <array>
#include <memory>
#include <optional>

namespace bgtask::watch {

class PowerProfilesSource final : public StateSource {
public:
    explicit PowerProfilesSource(sdbus::IConnection& systemBus);

    std::string_view name() const override { return "power-profile"; }
    void start(StateSink& sink) override;

    // "power-saver" → true, any other profile → false, none → unknown.
    static std::optional<bool> lowPowerModeOf(const std::optional<std::string>& activeProfile);

private:
    void choose();
    void read();
    void onPropertiesChanged(std::size_t backend, sdbus::Message& message);
    void publish(std::optional<bool> lowPowerMode);

    sdbus::IConnection& bus_;
    StateSink* sink_ = nullptr;
    std::array<std::unique_ptr<NameOwnerWatch>, 2> owners_;   // in order of preference
    std::array<sdbus::Slot, 2> matches_;
    std::optional<std::size_t> active_;
    std::string activeOwner_;
    std::unique_ptr<sdbus::IProxy> proxy_;
    std::optional<std::optional<bool>> published_;
};

} // namespace bgtask::watch
