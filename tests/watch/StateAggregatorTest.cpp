// SPDX-License-Identifier: LGPL-2.1-or-later
// StateAggregator: merges partial updates, publishes only real changes, one notification per
// flush however many updates came before it, and knows which source reports which field.
#include "watch/StateAggregator.h"

#include <catch2/catch.hpp>

#include <vector>

using bgtask::core::Connectivity;
using bgtask::core::SystemState;
using bgtask::watch::StateAggregator;

namespace {

// Stands in for the loop: flush() runs when the test says the turn is over.
struct Harness {
    int scheduled = 0;
    int replans = 0;
    std::vector<SystemState> published;
    StateAggregator aggregator{[this] { ++scheduled; },
                               [this](const SystemState& s) { published.push_back(s); },
                               [this] { ++replans; }};

    void endTurn()
    {
        if (scheduled > 0) {
            scheduled = 0;
            aggregator.flush();
        }
    }
    void power(std::optional<bool> external)
    {
        aggregator.update("power", [external](SystemState& s) {
            s.onExternalPower = external;
            s.batteryPercent = std::nullopt;
            s.batteryState = std::nullopt;
        });
    }
    void network(std::optional<Connectivity> c, std::optional<bool> metered)
    {
        aggregator.update("network", [c, metered](SystemState& s) {
            s.connectivity = c;
            s.metered = metered;
        });
    }
};

} // namespace

TEST_CASE("StateAggregator publishes a changed state once, at the end of the turn")
{
    Harness h;
    h.power(true);
    CHECK(h.scheduled == 1);
    CHECK(h.published.empty());
    h.endTurn();
    REQUIRE(h.published.size() == 1);
    CHECK(h.published[0].onExternalPower == true);
    CHECK(h.aggregator.state().onExternalPower == true);
}

TEST_CASE("StateAggregator coalesces a burst of updates from several sources into one notification")
{
    Harness h;
    h.power(false);
    h.network(Connectivity::Portal, true);
    h.power(true);
    h.network(Connectivity::Full, false);
    CHECK(h.scheduled == 1);
    h.endTurn();
    REQUIRE(h.published.size() == 1);
    CHECK(h.published[0].onExternalPower == true);
    CHECK(h.published[0].connectivity == Connectivity::Full);
    CHECK(h.published[0].metered == false);
}

TEST_CASE("StateAggregator publishes nothing for an update that changes nothing")
{
    Harness h;
    h.power(true);
    h.endTurn();
    h.power(true);
    h.network(std::nullopt, std::nullopt);   // unknown stays unknown
    CHECK(h.scheduled == 0);
    h.endTurn();
    CHECK(h.published.size() == 1);
}

TEST_CASE("StateAggregator publishes nothing for a burst that ends where it started")
{
    Harness h;
    h.power(true);
    h.endTurn();
    h.power(false);
    h.power(true);
    h.aggregator.flush();
    CHECK(h.published.size() == 1);
}

TEST_CASE("StateAggregator keeps the fields of other sources when one source updates")
{
    Harness h;
    h.network(Connectivity::Full, false);
    h.power(false);
    h.endTurn();
    CHECK(h.aggregator.state().connectivity == Connectivity::Full);
    CHECK(h.aggregator.state().onExternalPower == false);
}

TEST_CASE("StateAggregator names the source of each reported field, also when it reports unknown")
{
    Harness h;
    h.power(std::nullopt);
    h.network(Connectivity::Limited, std::nullopt);
    const auto& sources = h.aggregator.sources();
    CHECK(sources.at("onExternalPower") == "power");
    CHECK(sources.at("batteryPercent") == "power");
    CHECK(sources.at("batteryState") == "power");
    CHECK(sources.at("connectivity") == "network");
    CHECK(sources.at("metered") == "network");
    CHECK_FALSE(sources.contains("gpuAvailable"));
    CHECK_FALSE(sources.contains("lowPowerMode"));
}

TEST_CASE("StateAggregator passes replan requests on without publishing a state")
{
    Harness h;
    h.aggregator.replan();
    CHECK(h.replans == 1);
    CHECK(h.scheduled == 0);
}
