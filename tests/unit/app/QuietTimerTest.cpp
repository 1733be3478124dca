// SPDX-License-Identifier: LGPL-2.1-or-later
// The quiet timer on the real sd-event loop: it fires once after a burst of pokes, never before
// `quiet` has passed since the last poke, and again after a later burst.
#include "app/EventLoop.h"

#include <systemd/sd-event.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

using bgtask::app::EventLoop;
using bgtask::app::QuietTimer;
using namespace std::chrono_literals;

namespace {
// Runs the loop until fired counts past `before`, for at most 30 s (a failed test, not a hang).
void runUntilFired(EventLoop& loop, const int& fired, int before)
{
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (fired == before && std::chrono::steady_clock::now() < deadline)
        REQUIRE(sd_event_run(loop.raw(), 1'000'000) >= 0);
    REQUIRE(fired == before + 1);
}
} // namespace

TEST_CASE("A burst of pokes fires the quiet timer once", "[quiet-timer]")
{
    EventLoop loop;
    int fired = 0;
    QuietTimer timer(loop, 10ms, [&] { ++fired; });
    CHECK_FALSE(timer.armed());
    timer.poke();
    timer.poke();
    timer.poke();
    CHECK(timer.armed());
    runUntilFired(loop, fired, 0);
    CHECK_FALSE(timer.armed());
    // Nothing more is due: a turn that does not wait dispatches nothing.
    REQUIRE(sd_event_run(loop.raw(), 0) >= 0);
    CHECK(fired == 1);

    timer.poke();   // a later burst
    CHECK(timer.armed());
    runUntilFired(loop, fired, 1);
}

TEST_CASE("The quiet timer does not fire while the quiet period is under way", "[quiet-timer]")
{
    EventLoop loop;
    int fired = 0;
    QuietTimer timer(loop, std::chrono::hours(1), [&] { ++fired; });
    timer.poke();
    REQUIRE(sd_event_run(loop.raw(), 0) >= 0);
    REQUIRE(sd_event_run(loop.raw(), 10'000) >= 0);
    CHECK(fired == 0);
    CHECK(timer.armed());
}

TEST_CASE("A poke during the quiet period moves the firing to a quiet period after it", "[quiet-timer]")
{
    EventLoop loop;
    int fired = 0;
    constexpr auto quiet = 300ms;
    QuietTimer timer(loop, quiet, [&] { ++fired; });
    timer.poke();
    std::this_thread::sleep_for(quiet / 2);
    // A turn: the loop's time, which poke() reads, is taken after this.
    const auto lastPoke = std::chrono::steady_clock::now();
    REQUIRE(sd_event_run(loop.raw(), 0) >= 0);
    CHECK(fired == 0);
    timer.poke();
    runUntilFired(loop, fired, 0);
    // Not before the full quiet period after the last poke (a bound that load can only widen).
    CHECK(std::chrono::steady_clock::now() - lastPoke >= quiet);
    CHECK_FALSE(timer.armed());
}
