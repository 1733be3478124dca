// SPDX-License-Identifier: LGPL-2.1-or-later
// Follows the bus daemon's NameOwnerChanged and feeds the service, so that bgtaskd knows which
// connection owns which app's name and when a connection goes away. Seeds the current owners
// of the apps' bus names at start.
#pragma once

#include "service/TaskService.h"

#include <sdbus-c++/IProxy.h>

#include <memory>

namespace bgtask::bus {

class NameWatcher {
public:
    NameWatcher(sdbus::IConnection& connection, service::TaskService& service);
    // Asks the bus daemon for the current owner of every app's bus name (start-up only).
    void seed();

private:
    std::unique_ptr<sdbus::IProxy> proxy_;
    service::TaskService& service_;
};

} // namespace bgtask::bus
