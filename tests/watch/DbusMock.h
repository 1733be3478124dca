// SPDX-License-Identifier: LGPL-2.1-or-later
// A python-dbusmock server on a private system (or session) bus for the D-Bus component tests:
// started as a child process, ready once it owns its bus name, driven with `gdbus call`, and
// stopped (SIGTERM, reaped, name gone) by stop() or the destructor.
#pragma once

#include <string>
#include <vector>

#include <sys/types.h>

namespace bgtask::watch::test {

enum class Bus { System, Session };

// Fails the test unless DBUS_SYSTEM_BUS_ADDRESS (DBUS_SESSION_BUS_ADDRESS) points at a private
// bus made by with-private-bus.sh (never the real one).
void requirePrivateBus(Bus bus);
inline void requirePrivateSystemBus() { requirePrivateBus(Bus::System); }

// Whether `name` has an owner on the bus (a synchronous call on a separate connection).
bool nameHasOwner(const std::string& name, Bus bus = Bus::System);

class DbusMock {
public:
    // `/usr/bin/python3 -m dbusmock --system|--session --template <name>`, owning busName.
    static DbusMock fromTemplate(const std::string& templateName, const std::string& busName,
                                 Bus bus = Bus::System);
    // `/usr/bin/python3 -m dbusmock --system|--session <busName> <path> <interface>`: an empty object.
    static DbusMock plain(const std::string& busName, const std::string& path, const std::string& interface,
                          Bus bus = Bus::System);

    DbusMock(DbusMock&& other) noexcept;
    DbusMock& operator=(DbusMock&&) = delete;
    ~DbusMock();

    // gdbus call --system|--session --dest <busName> --object-path <path> --method <method> <args…>;
    // each argument in GVariant text (strings may be bare). Fails the test on an error.
    void call(const std::string& path, const std::string& method, const std::vector<std::string>& args) const;
    void stop();

private:
    DbusMock(std::string busName, Bus bus, std::vector<std::string> arguments);

    std::string busName_;
    Bus bus_;
    pid_t pid_ = -1;
};

} // namespace bgtask::watch::test
