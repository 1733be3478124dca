// SPDX-License-Identifier: LGPL-2.1-or-later
// The Catch2 main of each watch-layer test binary (Catch2 v2, as Debian 12 ships it). The
// sources log at info; BGTASKD_TEST_DEBUG=1 adds their debug evidence.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <spdlog/spdlog.h>

#include <cstdlib>

int main(int argc, char* argv[])
{
    if (std::getenv("BGTASKD_TEST_DEBUG"))
        spdlog::set_level(spdlog::level::debug);
    return Catch::Session().run(argc, argv);
}
