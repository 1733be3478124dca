// SPDX-License-Identifier: LGPL-2.1-or-later
// Deferred calls on the real sd-event loop: a scheduled call runs once, on a later turn, or now
// through runIfScheduled() and then not again; cancel() takes a schedule back.
#include "app/EventLoop.h"

#include <systemd/sd-event.h>

#include <catch2/catch.hpp>

#include <memory>
#include <stdexcept>

using bgtask::app::Deferred;
using bgtask::app::EventLoop;

namespace {
// One turn that does not wait: dispatches what is pending, if anything.
void turn(EventLoop& loop) { REQUIRE(sd_event_run(loop.raw(), 0) >= 0); }
} // namespace

TEST_CASE("A scheduled call runs once, on the next turn", "[deferred]")
{
    EventLoop loop;
    int runs = 0;
    Deferred d(loop, [&] { ++runs; });
    CHECK_FALSE(d.scheduled());
    d.schedule();
    d.schedule();
    CHECK(d.scheduled());
    CHECK(runs == 0);
    turn(loop);
    CHECK(runs == 1);
    CHECK_FALSE(d.scheduled());
    turn(loop);
    CHECK(runs == 1);
}

TEST_CASE("runIfScheduled runs a scheduled call now and not again on the next turn", "[deferred]")
{
    EventLoop loop;
    int runs = 0;
    Deferred d(loop, [&] { ++runs; });
    d.schedule();
    CHECK(d.runIfScheduled());
    CHECK(runs == 1);
    CHECK_FALSE(d.scheduled());
    turn(loop);
    turn(loop);
    CHECK(runs == 1);
}

TEST_CASE("runIfScheduled does nothing unless the call is scheduled", "[deferred]")
{
    EventLoop loop;
    int runs = 0;
    Deferred d(loop, [&] { ++runs; });
    CHECK_FALSE(d.runIfScheduled());
    CHECK(runs == 0);
    d.schedule();
    turn(loop);
    CHECK(runs == 1);
    CHECK_FALSE(d.runIfScheduled());   // it ran on its turn already
    CHECK(runs == 1);
}

TEST_CASE("A call that schedules itself while run through runIfScheduled runs again on a later turn",
          "[deferred]")
{
    EventLoop loop;
    int runs = 0;
    std::unique_ptr<Deferred> d;
    d = std::make_unique<Deferred>(loop, [&] {
        if (++runs == 1)
            d->schedule();
    });
    d->schedule();
    CHECK(d->runIfScheduled());
    CHECK(runs == 1);
    CHECK(d->scheduled());
    turn(loop);
    CHECK(runs == 2);
    CHECK_FALSE(d->scheduled());
}

TEST_CASE("cancel takes a schedule back", "[deferred]")
{
    EventLoop loop;
    int runs = 0;
    Deferred d(loop, [&] { ++runs; });
    d.schedule();
    d.cancel();
    CHECK_FALSE(d.scheduled());
    turn(loop);
    CHECK(runs == 0);
    CHECK_FALSE(d.runIfScheduled());
    d.cancel();   // nothing scheduled: nothing happens
    d.schedule();
    turn(loop);
    CHECK(runs == 1);
}

TEST_CASE("An exception from a call run through runIfScheduled is logged, not thrown", "[deferred]")
{
    EventLoop loop;
    Deferred d(loop, [] { throw std::runtime_error("boom"); });
    d.schedule();
    CHECK(d.runIfScheduled());
    CHECK_FALSE(d.scheduled());
}
