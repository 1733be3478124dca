// SPDX-License-Identifier: LGPL-2.1-or-later
// NetworkStateMapping as a grid over NetworkManager's Connectivity, Metered and State numbers.
#include "watch/NetworkStateMapping.h"

#include <catch2/catch.hpp>

using bgtask::core::Connectivity;
using namespace bgtask::watch;

TEST_CASE("NetworkManager connectivity maps to Connectivity, with 0 and unread as unknown")
{
    const auto [raw, expected] = GENERATE(table<std::optional<std::uint32_t>, std::optional<Connectivity>>({
        {std::nullopt, std::nullopt},
        {0u, std::nullopt},
        {1u, Connectivity::None},
        {2u, Connectivity::Portal},
        {3u, Connectivity::Limited},
        {4u, Connectivity::Full},
        {5u, std::nullopt},
    }));
    CAPTURE(raw);
    CHECK(mapNetwork({raw, std::nullopt, 70u}).connectivity == expected);
}

TEST_CASE("Unknown connectivity while NetworkManager is asleep or disconnected means no connectivity")
{
    const auto [state, expected] = GENERATE(table<std::optional<std::uint32_t>, std::optional<Connectivity>>({
        {10u, Connectivity::None},
        {20u, Connectivity::None},
        {40u, std::nullopt},
        {70u, std::nullopt},
        {std::nullopt, std::nullopt},
    }));
    CAPTURE(state);
    CHECK(mapNetwork({0u, std::nullopt, state}).connectivity == expected);
}

TEST_CASE("A known connectivity wins over the global state")
{
    CHECK(mapNetwork({4u, std::nullopt, 20u}).connectivity == Connectivity::Full);
}

TEST_CASE("NetworkManager metered yes and guess-yes are metered, no and guess-no are not, unknown is unknown")
{
    const auto [raw, expected] = GENERATE(table<std::optional<std::uint32_t>, std::optional<bool>>({
        {std::nullopt, std::nullopt},
        {0u, std::nullopt},
        {1u, true},
        {2u, false},
        {3u, true},
        {4u, false},
        {9u, std::nullopt},
    }));
    CAPTURE(raw);
    CHECK(mapNetwork({4u, raw, 70u}).metered == expected);
}
