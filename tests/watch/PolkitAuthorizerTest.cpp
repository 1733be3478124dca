// SPDX-License-Identifier: LGPL-2.1-or-later
// bus::PolkitAuthorizer against python-dbusmock's polkitd template on a private system bus,
// driven by the daemon's own event loop and bus source. A caller that is not root is a real
// connection of a process running as nobody (setpriv); what polkit was asked is read back from
// the mock's call log (org.freedesktop.DBus.Mock.GetCalls).
#include "DbusMock.h"
#include "Eventually.h"

#include "app/BusLoopSource.h"
#include "app/EventLoop.h"
#include "bus/PolkitAuthorizer.h"

#include <catch2/catch.hpp>

#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/IProxy.h>

#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

namespace bgtask::bus {
namespace {

using namespace std::chrono_literals;
using watch::test::DbusMock;

constexpr const char* kPolkit = "org.freedesktop.PolicyKit1";
constexpr const char* kPolkitPath = "/org/freedesktop/PolicyKit1/Authority";
constexpr const char* kMock = "org.freedesktop.DBus.Mock";

// A process running as nobody with a connection to the system bus; its unique name is the caller.
class NobodyConnection {
public:
    NobodyConnection()
    {
        int fds[2];
        REQUIRE(pipe(fds) == 0);
        pid_ = fork();
        if (pid_ == 0) {
            dup2(fds[1], STDOUT_FILENO);
            close(fds[0]);
            execl("/usr/bin/setpriv", "setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                  "/usr/bin/python3", "-c",
                  "import dbus, time; print(dbus.SystemBus().get_unique_name(), flush=True); time.sleep(600)",
                  static_cast<char*>(nullptr));
            _exit(127);
        }
        close(fds[1]);
        FILE* out = fdopen(fds[0], "r");
        char line[64] = {};
        REQUIRE(fgets(line, sizeof line, out) != nullptr);
        fclose(out);
        name_ = line;
        name_.erase(name_.find_last_not_of("\n") + 1);
        REQUIRE(name_.rfind(":1.", 0) == 0);
    }
    ~NobodyConnection()
    {
        kill(pid_, SIGTERM);
        waitpid(pid_, nullptr, 0);
    }
    const std::string& name() const { return name_; }

private:
    pid_t pid_ = -1;
    std::string name_;
};

struct AuthorizerFixture {
    AuthorizerFixture() { watch::test::requirePrivateSystemBus(); }

    app::EventLoop loop;
    std::unique_ptr<sdbus::IConnection> bus = sdbus::createSystemBusConnection();
    app::BusLoopSource busSource{loop, *bus, {}};
    std::string ownApp;   // the app that actsFor() says every caller acts for
    PolkitAuthorizer authorizer{*bus, [this](const std::string&, const std::string& app) { return app == ownApp; },
                                std::chrono::milliseconds(500)};

    // The decision, once it arrives: "" when allowed, else "Name: sub-reason: text".
    std::string decide(const std::string& caller, Access access, const std::string& app = {})
    {
        std::optional<std::string> answer;
        authorizer.check({caller, access, app}, [&answer](const core::Error* denied) {
            answer = denied ? std::string(api::errorName(denied->code())) + ": " + denied->what() : "";
        });
        REQUIRE(watch::test::eventually(loop.raw(), [&] { return answer.has_value(); }, 5000ms));
        return *answer;
    }
};

DbusMock startPolkit() { return DbusMock::fromTemplate("polkitd", kPolkit); }

std::vector<std::vector<sdbus::Variant>> polkitCalls(const std::string& method)
{
    const auto connection = sdbus::createSystemBusConnection();
    const auto proxy = sdbus::createProxy(*connection, kPolkit, kPolkitPath);
    std::vector<sdbus::Struct<std::uint64_t, std::vector<sdbus::Variant>>> calls;
    proxy->callMethod("GetMethodCalls").onInterface(kMock).withArguments(method).storeResultsTo(calls);
    std::vector<std::vector<sdbus::Variant>> result;
    for (const auto& call : calls)
        result.push_back(std::get<1>(call));
    return result;
}

constexpr const char* kDenied = "org.bgtaskd.Error.AccessDenied: ";

} // namespace

TEST_CASE("PolkitAuthorizer allows root without asking polkit, even where there is none")
{
    AuthorizerFixture f;
    REQUIRE(f.decide(f.bus->getUniqueName(), Access::Manage, "org.example.Mirror").empty());
    REQUIRE(f.decide(f.bus->getUniqueName(), Access::Observe).empty());
}

TEST_CASE("PolkitAuthorizer refuses every other caller with polkit-unavailable when polkit is absent")
{
    AuthorizerFixture f;
    NobodyConnection nobody;
    REQUIRE(f.decide(nobody.name(), Access::Observe).rfind(std::string(kDenied) + "polkit-unavailable: ", 0) == 0);
    REQUIRE(f.decide(nobody.name(), Access::Manage, "org.example.Mirror")
                .rfind(std::string(kDenied) + "polkit-unavailable: ", 0) == 0);
}

TEST_CASE("PolkitAuthorizer follows polkit's answer for the caller's bus name and the action")
{
    AuthorizerFixture f;
    NobodyConnection nobody;
    auto polkit = startPolkit();
    REQUIRE(f.decide(nobody.name(), Access::Manage, "org.example.Mirror")
                .rfind(std::string(kDenied) + "not-authorized: ", 0) == 0);
    polkit.call(kPolkitPath, "org.freedesktop.DBus.Mock.SetAllowed", {"['org.bgtaskd.manage']"});
    REQUIRE(f.decide(nobody.name(), Access::Manage, "org.example.Mirror").empty());
    REQUIRE(f.decide(nobody.name(), Access::Observe).rfind(std::string(kDenied) + "not-authorized: ", 0) == 0);

    const auto checks = polkitCalls("CheckAuthorization");
    REQUIRE(checks.size() == 3);
    const auto subject = checks[1][0].get<sdbus::Struct<std::string, std::map<std::string, sdbus::Variant>>>();
    REQUIRE(std::get<0>(subject) == "system-bus-name");
    REQUIRE(std::get<1>(subject).at("name").get<std::string>() == nobody.name());
    REQUIRE(checks[1][1].get<std::string>() == "org.bgtaskd.manage");
    REQUIRE(checks[1][2].get<std::map<std::string, std::string>>() ==
            std::map<std::string, std::string>{{"app", "org.example.Mirror"}});
    REQUIRE(checks[1][3].get<std::uint32_t>() == 1u);   // AllowUserInteraction
    REQUIRE(checks[2][1].get<std::string>() == "org.bgtaskd.observe");
    REQUIRE(checks[2][2].get<std::map<std::string, std::string>>().empty());
}

TEST_CASE("PolkitAuthorizer lets an app read its own records without polkit, never change them")
{
    AuthorizerFixture f;
    NobodyConnection nobody;
    f.ownApp = "org.example.Backup";
    REQUIRE(f.decide(nobody.name(), Access::Observe, "org.example.Backup").empty());
    REQUIRE(f.decide(nobody.name(), Access::Observe, "org.example.Mirror")
                .rfind(std::string(kDenied) + "polkit-unavailable: ", 0) == 0);
    REQUIRE(f.decide(nobody.name(), Access::Manage, "org.example.Backup")
                .rfind(std::string(kDenied) + "polkit-unavailable: ", 0) == 0);
}

TEST_CASE("PolkitAuthorizer gives up on a polkit that does not answer in time and withdraws the check")
{
    AuthorizerFixture f;
    NobodyConnection nobody;
    auto polkit = startPolkit();
    polkit.call(kPolkitPath, "org.freedesktop.DBus.Mock.AddMethod",
                {"org.freedesktop.PolicyKit1.Authority", "CancelCheckAuthorization", "s", "", ""});
    polkit.call(kPolkitPath, "org.freedesktop.DBus.Mock.SetAllowed", {"['org.bgtaskd.observe']"});
    polkit.call(kPolkitPath, "org.freedesktop.DBus.Mock.SimulateHang", {"true"});
    REQUIRE(f.decide(nobody.name(), Access::Observe).rfind(std::string(kDenied) + "polkit-unavailable: ", 0) == 0);
    const auto checks = polkitCalls("CheckAuthorization");
    REQUIRE(checks.size() == 1);
    const auto cancellationId = checks[0][4].get<std::string>();
    REQUIRE_FALSE(cancellationId.empty());
    REQUIRE(watch::test::eventually(f.loop.raw(), [&] { return polkitCalls("CancelCheckAuthorization").size() == 1; }));
    REQUIRE(polkitCalls("CancelCheckAuthorization")[0][0].get<std::string>() == cancellationId);
}

TEST_CASE("PolkitAuthorizer refuses a caller it cannot identify")
{
    AuthorizerFixture f;
    REQUIRE(f.decide(":1.99999", Access::Observe).rfind(std::string(kDenied) + "not-authorized: ", 0) == 0);
}

} // namespace bgtask::bus
