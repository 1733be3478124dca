// SPDX-License-Identifier: LGPL-2.1-or-later
// NetworkManagerSource against python-dbusmock's networkmanager template on a private system
// bus: unknown without NetworkManager, its state once it appears, changes, unknown when it
// leaves, a full re-read when it returns.
#include "BusFixture.h"

#include "watch/NetworkManagerSource.h"

#include <catch2/catch.hpp>

#include <optional>

using bgtask::core::Connectivity;
using namespace bgtask::watch;
using namespace bgtask::watch::test;

namespace {

constexpr const char* kNm = "org.freedesktop.NetworkManager";
constexpr const char* kNmPath = "/org/freedesktop/NetworkManager";

DbusMock startNetworkManager() { return DbusMock::fromTemplate("networkmanager", kNm); }

void setMetered(const DbusMock& nm, const char* value)
{
    nm.call(kNmPath, "org.freedesktop.DBus.Properties.Set", {kNm, "Metered", value});
}

} // namespace

TEST_CASE_METHOD(BusFixture, "The network source reports unknown without NetworkManager and its state once it appears")
{
    NetworkManagerSource source(*bus);
    source.start(sink);
    REQUIRE(eventually([&] { return sink.updatesFrom("network") == 1; }));
    CHECK_FALSE(sink.state.connectivity);
    CHECK_FALSE(sink.state.metered);

    auto nm = startNetworkManager();
    CHECK(eventually([&] { return sink.state.connectivity == Connectivity::Full; }));
    CHECK_FALSE(sink.state.metered);   // the template has no Metered property

    nm.call(kNmPath, "org.freedesktop.DBus.Mock.AddProperty", {kNm, "Metered", "<uint32 4>"});
    setMetered(nm, "<uint32 1>");
    CHECK(eventually([&] { return sink.state.metered == true; }));
    setMetered(nm, "<uint32 4>");
    CHECK(eventually([&] { return sink.state.metered == false; }));
    setMetered(nm, "<uint32 3>");
    CHECK(eventually([&] { return sink.state.metered == true; }));

    nm.call(kNmPath, "org.freedesktop.DBus.Mock.SetConnectivity", {"2"});
    CHECK(eventually([&] { return sink.state.connectivity == Connectivity::Portal; }));
    nm.call(kNmPath, "org.freedesktop.DBus.Mock.SetConnectivity", {"0"});
    CHECK(eventually([&] { return !sink.state.connectivity; }));
}

TEST_CASE_METHOD(BusFixture, "The network source goes unknown when NetworkManager leaves and re-reads all when it returns")
{
    std::optional<DbusMock> nm = startNetworkManager();
    nm->call(kNmPath, "org.freedesktop.DBus.Mock.AddProperty", {kNm, "Metered", "<uint32 1>"});
    NetworkManagerSource source(*bus);
    source.start(sink);
    REQUIRE(eventually([&] { return sink.state.connectivity == Connectivity::Full && sink.state.metered == true; }));
    nm->call(kNmPath, "org.freedesktop.DBus.Mock.SetConnectivity", {"3"});
    REQUIRE(eventually([&] { return sink.state.connectivity == Connectivity::Limited; }));

    nm.reset();
    CHECK(eventually([&] { return !sink.state.connectivity && !sink.state.metered; }));

    // A new NetworkManager starts at the template's defaults: FULL, and no Metered property.
    nm.emplace(startNetworkManager());
    CHECK(eventually([&] { return sink.state.connectivity == Connectivity::Full; }));
    CHECK_FALSE(sink.state.metered);
}

TEST_CASE_METHOD(BusFixture, "The network source publishes nothing when a property it does not map changes")
{
    auto nm = startNetworkManager();
    NetworkManagerSource source(*bus);
    source.start(sink);
    REQUIRE(eventually([&] { return sink.state.connectivity == Connectivity::Full; }));
    const int before = sink.updatesFrom("network");

    nm.call(kNmPath, "org.freedesktop.DBus.Properties.Set", {kNm, "WirelessEnabled", "<false>"});
    CHECK(staysTrue([&] { return sink.updatesFrom("network") == before; }));
    // The bus is alive and followed: a mapped change right after it is seen.
    nm.call(kNmPath, "org.freedesktop.DBus.Mock.SetConnectivity", {"1"});
    CHECK(eventually([&] { return sink.state.connectivity == Connectivity::None; }));
}
