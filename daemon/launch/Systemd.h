// SPDX-License-Identifier: LGPL-2.1-or-later
// The names of systemd's D-Bus API that the launch targets use (org.freedesktop.systemd1 on the
// daemon's bus: the system manager for --system, the user manager for a per-user instance),
// spelled once. Constants only; the interface of a unit's type (…systemd1.Service for
// "x.service") is core::unitTypeInterface.
#pragma once

#include <string_view>

namespace bgtask::launch::systemd {

inline constexpr const char* kService = "org.freedesktop.systemd1";
inline constexpr const char* kManagerPath = "/org/freedesktop/systemd1";
inline constexpr const char* kManagerInterface = "org.freedesktop.systemd1.Manager";
inline constexpr const char* kUnitInterface = "org.freedesktop.systemd1.Unit";
// Under which units' objects live (PropertiesChanged is matched by path_namespace).
inline constexpr const char* kUnitPathPrefix = "/org/freedesktop/systemd1/unit";

inline constexpr const char* kErrorNoSuchUnit = "org.freedesktop.systemd1.NoSuchUnit";
inline constexpr const char* kErrorLoadFailed = "org.freedesktop.systemd1.LoadFailed";

// A call to the manager failed because nothing owns its name on this bus (no service manager).
inline bool noServiceManager(std::string_view busErrorName)
{
    return busErrorName == "org.freedesktop.DBus.Error.ServiceUnknown" ||
           busErrorName == "org.freedesktop.DBus.Error.NameHasNoOwner";
}

} // namespace bgtask::launch::systemd
