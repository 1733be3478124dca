// SPDX-License-Identifier: LGPL-2.1-or-later
// SourceRegistry's list: every source by name, in start order, minus the disabled ones and,
// without a system bus, minus the D-Bus ones. Nothing is started here.
#include "watch/SourceRegistry.h"

#include <catch2/catch.hpp>

using bgtask::watch::SourceRegistry;
using Names = std::vector<std::string_view>;

TEST_CASE("The registry knows every state source by its stable name")
{
    CHECK(SourceRegistry::knownNames() == Names{"power", "gpu", "network", "session", "power-profile"});
}

TEST_CASE("Without a system bus the registry creates only the udev sources")
{
    CHECK(SourceRegistry(nullptr, nullptr, {}).names() == Names{"power", "gpu"});
}

TEST_CASE("The registry does not create disabled sources and ignores unknown names")
{
    CHECK(SourceRegistry(nullptr, nullptr, {"power", "bogus"}).names() == Names{"gpu"});
    CHECK(SourceRegistry(nullptr, nullptr, {"power", "gpu"}).names().empty());
}
