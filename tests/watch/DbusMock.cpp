// SPDX-License-Identifier: LGPL-2.1-or-later
#include "DbusMock.h"

#include <catch2/catch.hpp>

#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/IProxy.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <memory>
#include <thread>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace bgtask::watch::test {
namespace {

using namespace std::chrono_literals;

pid_t spawn(const std::vector<std::string>& argv, bool quiet)
{
    std::vector<char*> raw;
    for (const auto& a : argv)
        raw.push_back(const_cast<char*>(a.c_str()));
    raw.push_back(nullptr);
    const pid_t pid = fork();
    if (pid == 0) {
        if (quiet) {
            const int devnull = open("/dev/null", O_WRONLY);
            dup2(devnull, STDOUT_FILENO);
        }
        execv(raw[0], raw.data());
        _exit(127);
    }
    return pid;
}

template <typename Condition>
bool waitFor(Condition condition, std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

const char* busOption(Bus bus) { return bus == Bus::System ? "--system" : "--session"; }

} // namespace

void requirePrivateBus(Bus bus)
{
    if (bus == Bus::System) {
        const char* address = std::getenv("DBUS_SYSTEM_BUS_ADDRESS");
        INFO("run this test through tests/watch/with-private-bus.sh system");
        REQUIRE(address);
        REQUIRE(std::string(address).find("/run/dbus/system_bus_socket") == std::string::npos);
    } else {
        // A developer's shell has a real session bus: accept only the one the script made.
        const char* address = std::getenv("DBUS_SESSION_BUS_ADDRESS");
        INFO("run this test through tests/watch/with-private-bus.sh session");
        REQUIRE(address);
        REQUIRE(std::string(address).find("/bgtaskd-session-bus.") != std::string::npos);
    }
}

bool nameHasOwner(const std::string& name, Bus bus)
{
    // One connection per bus, made on first use: a test may have only one of the two buses.
    auto& connection = [bus]() -> sdbus::IConnection& {
        if (bus == Bus::System) {
            static const auto system = sdbus::createSystemBusConnection();
            return *system;
        }
        static const auto session = sdbus::createSessionBusConnection();
        return *session;
    }();
    const auto proxy = sdbus::createProxy(connection, "org.freedesktop.DBus", "/org/freedesktop/DBus");
    bool has = false;
    proxy->callMethod("NameHasOwner").onInterface("org.freedesktop.DBus").withArguments(name).storeResultsTo(has);
    return has;
}

DbusMock DbusMock::fromTemplate(const std::string& templateName, const std::string& busName, Bus bus)
{
    return DbusMock(busName, bus, {"--template", templateName});
}

DbusMock DbusMock::plain(const std::string& busName, const std::string& path, const std::string& interface,
                         Bus bus)
{
    return DbusMock(busName, bus, {busName, path, interface});
}

DbusMock::DbusMock(std::string busName, Bus bus, std::vector<std::string> arguments)
    : busName_(std::move(busName)), bus_(bus)
{
    requirePrivateBus(bus_);
    REQUIRE_FALSE(nameHasOwner(busName_, bus_));
    std::vector<std::string> argv{"/usr/bin/python3", "-m", "dbusmock", busOption(bus_), "-l", "/dev/null"};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    pid_ = spawn(argv, true);
    REQUIRE(pid_ > 0);
    const bool owned = waitFor([&] {
        int status = 0;
        REQUIRE(waitpid(pid_, &status, WNOHANG) == 0);   // it must not have exited
        return nameHasOwner(busName_, bus_);
    }, 10s);
    INFO("python-dbusmock did not take " << busName_);
    REQUIRE(owned);
}

DbusMock::DbusMock(DbusMock&& other) noexcept
    : busName_(std::move(other.busName_)), bus_(other.bus_), pid_(other.pid_)
{
    other.pid_ = -1;
}

DbusMock::~DbusMock()
{
    try {
        stop();
    } catch (const std::exception&) {
        // The bus went first; the process is reaped all the same.
    }
}

void DbusMock::call(const std::string& path, const std::string& method, const std::vector<std::string>& args) const
{
    std::vector<std::string> argv{"/usr/bin/gdbus", "call", busOption(bus_), "--dest", busName_, "--object-path", path,
                                  "--method", method};
    argv.insert(argv.end(), args.begin(), args.end());
    const pid_t pid = spawn(argv, true);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    INFO("gdbus call " << method << " on " << path);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
}

void DbusMock::stop()
{
    if (pid_ <= 0)
        return;
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
    // The process is gone; the bus daemon drops its name when it notices the closed socket.
    waitFor([&] { return !nameHasOwner(busName_, bus_); }, 5s);
}

} // namespace bgtask::watch::test
