// SPDX-License-Identifier: LGPL-2.1-or-later
// The pure mapping from NetworkManager's manager properties (Connectivity, Metered, State, as
// raw D-Bus numbers) to the network fields of SystemState. No D-Bus types, no I/O.
#pragma once

#include "core/SystemState.h"

#include <cstdint>
#include <optional>

namespace bgtask::watch {

// The raw values as last read; nullopt = not (yet) read or not provided by this NetworkManager.
struct NetworkProperties {
    std::optional<std::uint32_t> connectivity;   // NMConnectivityState 0-4
    std::optional<std::uint32_t> metered;        // NMMetered 0-4
    std::optional<std::uint32_t> state;          // NMState 0-70

    bool operator==(const NetworkProperties&) const = default;
};

struct NetworkView {
    std::optional<core::Connectivity> connectivity;
    std::optional<bool> metered;

    bool operator==(const NetworkView&) const = default;
};

// Connectivity 1-4 → None, Portal, Limited, Full. Connectivity 0 (unknown: NM has not checked
// yet) is unknown, except while NM says it is asleep (10) or disconnected (20): no connection
// is certainly no connectivity. Metered yes/guess-yes (1, 3) → true, no/guess-no (2, 4) →
// false, unknown (0) or out of range → unknown.
NetworkView mapNetwork(const NetworkProperties& properties);

} // namespace bgtask::watch
