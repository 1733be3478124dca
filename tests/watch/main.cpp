// SPDX-License-Identifier: LGPL-2.1-or-later
// The Catch2 main of each watch-layer test binary (Catch2 v2, as Debian 12 ships it).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
