// SPDX-License-Identifier: LGPL-2.1-or-later
// SourceRegistry on a private system bus where no backend runs: the daemon must start and
// report unknown for every D-Bus field, and disabled sources are not created at all.
#include "BusFixture.h"

#include "watch/SourceRegistry.h"
#include "watch/StateAggregator.h"

#include <catch2/catch.hpp>

using namespace bgtask::watch;
using namespace bgtask::watch::test;

TEST_CASE_METHOD(BusFixture, "With no backend on the system bus the D-Bus sources report unknown and disabled ones nothing")
{
    SourceRegistry registry(loop.raw(), bus.get(), {"gpu", "no-such-source"});
    CHECK(registry.names() == std::vector<std::string_view>{"power", "network", "session", "power-profile"});
    registry.start(sink);
    CHECK(eventually([&] {
        return sink.updatesFrom("network") == 1 && sink.updatesFrom("session") == 1 &&
               sink.updatesFrom("power-profile") == 1;
    }));
    CHECK(sink.updatesFrom("gpu") == 0);
    CHECK(sink.updatesFrom("power") == 1);
    CHECK_FALSE(sink.state.connectivity);
    CHECK_FALSE(sink.state.metered);
    CHECK_FALSE(sink.state.sessionLocked);
    CHECK_FALSE(sink.state.userIdle);
    CHECK_FALSE(sink.state.userLoggedInSinceBoot);
    CHECK_FALSE(sink.state.lowPowerMode);
    CHECK_FALSE(sink.state.gpuAvailable);
}

TEST_CASE_METHOD(BusFixture, "The aggregator names the sources of what the registry's sources reported")
{
    int published = 0;
    StateAggregator aggregator([&] { loop.post([&] { aggregator.flush(); }); }, [&](const auto&) { ++published; });
    SourceRegistry registry(loop.raw(), bus.get(), {});
    registry.start(aggregator);
    CHECK(eventually([&] { return aggregator.sources().size() == 10; }));
    CHECK(aggregator.sources().at("gpuAvailable") == "gpu");
    CHECK(aggregator.sources().at("metered") == "network");
    CHECK(aggregator.sources().at("userIdle") == "session");
    CHECK(aggregator.sources().at("lowPowerMode") == "power-profile");
}
