// SPDX-License-Identifier: LGPL-2.1-or-later
// The one list of state sources: which exist, in which order they start, and which are left
// out (--disable-source=NAME: a disabled source is not created and its fields stay unknown).
// Owns the sources; borrows the sd_event loop and the system bus connection, so it must be
// destroyed before either of them.
#pragma once

#include "StateSource.h"

#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

typedef struct sd_event sd_event;

namespace sdbus {
class IConnection;
}

namespace bgtask::watch {

class SourceRegistry {
public:
    // Every source name, in start order: "power", "gpu", "network", "session", "power-profile".
    static const std::vector<std::string_view>& knownNames();

    // systemBus may be null (no system bus): the D-Bus sources are then not created and their
    // fields stay unknown. Unknown names in `disabled` are logged and ignored.
    SourceRegistry(sd_event* event, sdbus::IConnection* systemBus, const std::set<std::string>& disabled);
    ~SourceRegistry();
    SourceRegistry(const SourceRegistry&) = delete;
    SourceRegistry& operator=(const SourceRegistry&) = delete;

    // Starts every source; each publishes its first view (possibly unknown) through the sink
    // now or once its backend has answered. The sink must outlive the registry.
    void start(StateSink& sink);

    // The names of the sources that were created, in start order.
    std::vector<std::string_view> names() const;

private:
    std::vector<std::unique_ptr<StateSource>> sources_;
};

} // namespace bgtask::watch
