// SPDX-License-Identifier: LGPL-2.1-or-later
// One source of system state (udev power supplies, udev render nodes, NetworkManager, logind,
// power-profiles-daemon) behind one interface. A source owns its backend connection or monitor,
// borrows the event loop and the sink, publishes only the fields it is responsible for, reports
// unknown (nullopt) while its backend is absent, and converges when the backend appears.
// Sources never call each other.
#pragma once

#include "core/SystemState.h"

#include <functional>
#include <string_view>

namespace bgtask::watch {

class StateSink {
public:
    virtual ~StateSink() = default;
    // Applies a partial update from `source` (which sets only its own fields). The sink compares
    // the whole state and publishes only real changes, coalesced per loop turn.
    // `apply` assigns the source's fields unconditionally (it never reads the state it is given),
    // so that a sink can also tell which fields a source reports by applying it to probe states.
    virtual void update(std::string_view source, const std::function<void(core::SystemState&)>& apply) = 0;
    // Asks for a new plan although no field changed: the world moved under the old one (the
    // machine resumed from sleep, so every timer and deadline must be looked at again).
    virtual void replan() {}
};

class StateSource {
public:
    virtual ~StateSource() = default;
    // Stable short name, used by --disable-source and shown by `bgtaskctl status`:
    // "power", "gpu", "network", "session", "power-profile".
    virtual std::string_view name() const = 0;
    // Publishes the initial view and then every change through the sink. Never blocks; when
    // the backend is missing it publishes unknown and keeps watching for it.
    virtual void start(StateSink& sink) = 0;
};

} // namespace bgtask::watch
