// SPDX-License-Identifier: LGPL-2.1-or-later
// LogindSource against python-dbusmock's logind template on a private system bus: the user's
// session through GetSessionByPID or, without it (the template has none), through GetUser;
// lock and idle hints; the manager's idle hint without a session; resume from sleep; unknown
// when logind leaves and a re-read when it returns.
#include "BusFixture.h"

#include "watch/LogindSource.h"

#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include <unistd.h>

using namespace bgtask::watch;
using namespace bgtask::watch::test;

namespace {

constexpr const char* kLogind = "org.freedesktop.login1";
constexpr const char* kManagerPath = "/org/freedesktop/login1";
constexpr const char* kManager = "org.freedesktop.login1.Manager";
constexpr const char* kMock = "org.freedesktop.DBus.Mock";

std::string sessionPath(const std::string& id) { return "/org/freedesktop/login1/session/" + id; }

// python-dbusmock 0.28.7's GetUser adds a uint32 to a str and always fails; logind's answers.
DbusMock startLogind()
{
    auto logind = DbusMock::fromTemplate("logind", kLogind);
    logind.call(kManagerPath, std::string(kMock) + ".AddMethod",
                {kManager, "GetUser", "u", "o", "ret = '/org/freedesktop/login1/user/%d' % args[0]"});
    return logind;
}

void addSession(const DbusMock& logind, const std::string& id)
{
    logind.call(kManagerPath, std::string(kMock) + ".AddSession",
                {id, "seat0", std::to_string(getuid()), "tester", "true"});
}

void emit(const DbusMock& logind, const std::string& signal, const std::string& signature, const std::string& args)
{
    logind.call(kManagerPath, std::string(kMock) + ".EmitSignal", {kManager, signal, signature, args});
}


} // namespace

TEST_CASE_METHOD(BusFixture, "The session source follows the user's session through GetUser when its process has none")
{
    auto logind = startLogind();
    addSession(logind, "c1");
    LogindSource source(*bus, getuid(), getpid());
    source.start(sink);
    REQUIRE(eventually([&] {
        return sink.state.sessionLocked == false && sink.state.userIdle == false &&
               sink.state.userLoggedInSinceBoot == true;
    }));

    logind.call(sessionPath("c1"), "org.freedesktop.login1.Session.SetLockedHint", {"true"});
    CHECK(eventually([&] { return sink.state.sessionLocked == true; }));
    logind.call(sessionPath("c1"), std::string(kMock) + ".UpdateProperties",
                {"org.freedesktop.login1.Session", "{'IdleHint': <true>}"});
    CHECK(eventually([&] { return sink.state.userIdle == true; }));
    logind.call(sessionPath("c1"), "org.freedesktop.login1.Session.SetLockedHint", {"false"});
    CHECK(eventually([&] { return sink.state.sessionLocked == false; }));
}

TEST_CASE_METHOD(BusFixture, "The session source prefers the session its own process runs in")
{
    auto logind = startLogind();
    addSession(logind, "c1");
    addSession(logind, "c7");
    logind.call(sessionPath("c7"), std::string(kMock) + ".UpdateProperties",
                {"org.freedesktop.login1.Session", "{'LockedHint': <true>}"});
    logind.call(kManagerPath, std::string(kMock) + ".AddMethod",
                {kManager, "GetSessionByPID", "u", "o", "ret = '/org/freedesktop/login1/session/c7'"});
    LogindSource source(*bus, getuid(), getpid());
    source.start(sink);
    CHECK(eventually([&] { return sink.state.sessionLocked == true && sink.state.userLoggedInSinceBoot == true; }));
}

TEST_CASE_METHOD(BusFixture, "Without a session the session source reports the manager's idle hint until a session appears")
{
    auto logind = startLogind();
    LogindSource source(*bus, getuid(), getpid());
    source.start(sink);
    REQUIRE(eventually([&] { return sink.state.userLoggedInSinceBoot == false; }));
    CHECK_FALSE(sink.state.sessionLocked);
    CHECK(sink.state.userIdle == false);

    logind.call(kManagerPath, "org.freedesktop.DBus.Properties.Set", {kManager, "IdleHint", "<true>"});
    CHECK(eventually([&] { return sink.state.userIdle == true; }));

    // Real logind announces a new session; the template's AddSession does not, so say it here.
    addSession(logind, "c2");
    emit(logind, "SessionNew", "so", "[<'c2'>, <objectpath '" + sessionPath("c2") + "'>]");
    CHECK(eventually([&] {
        return sink.state.sessionLocked == false && sink.state.userIdle == false &&
               sink.state.userLoggedInSinceBoot == true;
    }));
}

TEST_CASE_METHOD(BusFixture, "The session source asks for a new plan when the system resumes from sleep")
{
    auto logind = startLogind();
    LogindSource source(*bus, getuid(), getpid());
    source.start(sink);
    REQUIRE(eventually([&] { return sink.state.userLoggedInSinceBoot.has_value(); }));

    emit(logind, "PrepareForSleep", "b", "[<true>]");
    CHECK(staysTrue([&] { return sink.replans == 0; }));
    emit(logind, "PrepareForSleep", "b", "[<false>]");
    CHECK(eventually([&] { return sink.replans == 1; }));
}

TEST_CASE_METHOD(BusFixture, "The session source goes unknown when logind leaves and re-reads when it returns")
{
    std::optional<DbusMock> logind = startLogind();
    addSession(*logind, "c1");
    logind->call(sessionPath("c1"), "org.freedesktop.login1.Session.SetLockedHint", {"true"});
    LogindSource source(*bus, getuid(), getpid());
    source.start(sink);
    REQUIRE(eventually([&] { return sink.state.sessionLocked == true; }));

    logind.reset();
    CHECK(eventually([&] {
        return !sink.state.sessionLocked && !sink.state.userIdle && !sink.state.userLoggedInSinceBoot;
    }));

    // The new logind has no session yet: the manager's idle hint, and the login seen before.
    logind.emplace(startLogind());
    CHECK(eventually([&] { return sink.state.userIdle == false && sink.state.userLoggedInSinceBoot == true; }));
    CHECK_FALSE(sink.state.sessionLocked);
}
