// SPDX-License-Identifier: LGPL-2.1-or-later
// Opening the bus connection that libbgtask talks to bgtaskd on, and choosing which bus.
#pragma once

#include <bgtask/Manager.h>

#include <sdbus-c++/IConnection.h>

#include <memory>
#include <string_view>

namespace bgtask::detail {

// BGTASK_BUS=system|session wins; otherwise the bus that activated this process
// (DBUS_STARTER_BUS_TYPE); otherwise the session bus.
Bus busFromEnvironment();
std::string_view describe(Bus bus);
// Throws SchedulerError(NoScheduler, "no-scheduler") when the bus cannot be reached.
std::unique_ptr<sdbus::IConnection> openConnection(Bus bus);
// Whether the name has an owner now (the bus driver answers; nothing is activated). Throws
// SchedulerError(NoScheduler) when the bus does not answer.
bool nameHasOwner(sdbus::IConnection& connection, std::string_view name);

} // namespace bgtask::detail
