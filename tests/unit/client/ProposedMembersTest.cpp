// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ProposedMembers.h"

#include <catch2/catch.hpp>

using namespace bgtask;

TEST_CASE("Supported resources read gpu and ignore names this library does not know")
{
    CHECK(detail::decodeResources({}) == Resources::Default);
    CHECK(detail::decodeResources({"gpu"}) == Resources::Gpu);
    CHECK(detail::decodeResources({"quantum", "gpu"}) == Resources::Gpu);
    CHECK(detail::decodeResources({"quantum"}) == Resources::Default);
}

TEST_CASE("The background refresh status reads Apple's three values; anything else is Restricted")
{
    CHECK(detail::decodeRefreshStatus("available") == BackgroundRefreshStatus::Available);
    CHECK(detail::decodeRefreshStatus("denied") == BackgroundRefreshStatus::Denied);
    CHECK(detail::decodeRefreshStatus("restricted") == BackgroundRefreshStatus::Restricted);
    CHECK(detail::decodeRefreshStatus("solar-eclipse") == BackgroundRefreshStatus::Restricted);
}
