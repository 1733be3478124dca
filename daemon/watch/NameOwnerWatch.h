// SPDX-License-Identifier: LGPL-2.1-or-later
// Follows who owns one well-known bus name (NetworkManager, logind, power-profiles-daemon), the
// way the bus daemon reports it: the current owner once, then every NameOwnerChanged. The
// D-Bus state sources use it to go unknown when their backend leaves and to re-read everything
// when it comes back. Owns its match and its org.freedesktop.DBus proxy; borrows the connection.
#pragma once

#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/IProxy.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace bgtask::watch {

// The time any backend gets to answer a call before it is treated as absent for that call.
inline constexpr std::chrono::seconds kBackendCallTimeout{5};

class NameOwnerWatch {
public:
    // onOwner receives the unique name of the new owner, or "" when the name has none; it is
    // called once the first answer is known and then on every change of owner.
    NameOwnerWatch(sdbus::IConnection& bus, std::string name, std::function<void(const std::string&)> onOwner);
    NameOwnerWatch(const NameOwnerWatch&) = delete;
    NameOwnerWatch& operator=(const NameOwnerWatch&) = delete;

    // Subscribes to NameOwnerChanged (one AddMatch round trip to the bus daemon) and asks for
    // the current owner asynchronously. Throws sdbus::Error when the bus refuses the match.
    void start();

    const std::string& name() const { return name_; }
    // Whether the first answer (current owner or none) has arrived.
    bool known() const { return owner_.has_value(); }
    // The current owner, "" when none or not known yet.
    std::string owner() const { return owner_.value_or(""); }

private:
    void set(const std::string& owner);

    sdbus::IConnection& bus_;
    std::string name_;
    std::function<void(const std::string&)> onOwner_;
    std::unique_ptr<sdbus::IProxy> dbus_;
    sdbus::Slot match_;
    std::optional<std::string> owner_;
};

// The match rule for PropertiesChanged of `interface` on `path` (or, with a trailing "/*", every
// path below it) sent by the owner of `sender`; an empty interface matches every interface.
std::string propertiesChangedRule(const std::string& sender, const std::string& path, const std::string& interface);

} // namespace bgtask::watch
