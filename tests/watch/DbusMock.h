// SPDX-License-Identifier: LGPL-2.1-or-later
// A python-dbusmock server on the (private) system bus for the D-Bus source tests: started as
// a child process, ready once it owns its bus name, driven with `gdbus call --system`, and
// stopped (SIGTERM, reaped, name gone) by stop() or the destructor.
#pragma once

#include <string>
#include <vector>

#include <sys/types.h>

namespace bgtask::watch::test {

// Fails the test unless DBUS_SYSTEM_BUS_ADDRESS points at a private bus (never the real one).
void requirePrivateSystemBus();

// Whether `name` has an owner on the system bus (a synchronous call on a separate connection).
bool nameHasOwner(const std::string& name);

class DbusMock {
public:
    // `/usr/bin/python3 -m dbusmock --system --template <name>`, owning busName.
    static DbusMock fromTemplate(const std::string& templateName, const std::string& busName);
    // `/usr/bin/python3 -m dbusmock --system <busName> <path> <interface>`: an empty object.
    static DbusMock plain(const std::string& busName, const std::string& path, const std::string& interface);

    DbusMock(DbusMock&& other) noexcept;
    DbusMock& operator=(DbusMock&&) = delete;
    ~DbusMock();

    // gdbus call --system --dest <busName> --object-path <path> --method <method> <args…>;
    // each argument in GVariant text (strings may be bare). Fails the test on an error.
    void call(const std::string& path, const std::string& method, const std::vector<std::string>& args) const;
    void stop();

private:
    DbusMock(std::string busName, std::vector<std::string> arguments);

    std::string busName_;
    pid_t pid_ = -1;
};

} // namespace bgtask::watch::test
