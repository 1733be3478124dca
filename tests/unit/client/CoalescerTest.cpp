// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Coalescer.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <vector>

using bgtask::detail::Coalescer;
using namespace std::chrono_literals;

namespace {

using Clock = Coalescer<int>::Clock;
const Clock::time_point kStart{std::chrono::hours(1000)};

} // namespace

TEST_CASE("Nothing is due before the first update")
{
    Coalescer<int> c(250ms);
    CHECK_FALSE(c.dueAt().has_value());
    CHECK_FALSE(c.take(kStart).has_value());
    CHECK_FALSE(c.takeFinal(kStart).has_value());
}

TEST_CASE("The first value after a quiet period leaves at once")
{
    Coalescer<int> c(250ms);
    CHECK(c.update(1));
    REQUIRE(c.dueAt().has_value());
    CHECK(*c.dueAt() <= kStart);
    CHECK(c.take(kStart) == 1);
    CHECK_FALSE(c.hasPending());

    // Long after the last send, the next value leaves at once again.
    CHECK(c.update(2));
    CHECK(c.take(kStart + 10s) == 2);
}

TEST_CASE("Values within the interval are coalesced into the latest, which leaves when the interval ends")
{
    Coalescer<int> c(250ms);
    c.update(0);
    REQUIRE(c.take(kStart) == 0);
    CHECK(c.update(1));        // a send became due: the sender must be woken
    CHECK_FALSE(c.update(2));  // already due: no second wake-up
    CHECK_FALSE(c.update(3));
    CHECK(c.dueAt() == kStart + 250ms);
    CHECK_FALSE(c.take(kStart + 249ms).has_value());
    CHECK(c.take(kStart + 250ms) == 3);
    CHECK_FALSE(c.take(kStart + 251ms).has_value());
}

TEST_CASE("A burst of updates leaves as one value per interval, ending with the last")
{
    const auto interval = GENERATE(100ms, 250ms, 1000ms);
    Coalescer<int> c(interval);
    std::vector<int> sent;
    // 10 000 updates, one every 100 µs: one second of work.
    for (int i = 1; i <= 10'000; ++i) {
        const auto now = kStart + i * 100us;
        c.update(i);
        if (auto value = c.take(now))
            sent.push_back(*value);
    }
    if (auto last = c.takeFinal(kStart + 1s))
        sent.push_back(*last);
    REQUIRE_FALSE(sent.empty());
    CHECK(sent.front() == 1);
    CHECK(sent.back() == 10'000);
    CHECK(static_cast<long>(sent.size()) <= 1s / interval + 2);
    for (std::size_t i = 1; i < sent.size(); ++i)
        CHECK(sent[i - 1] < sent[i]);
}

TEST_CASE("Returning to the value last sent cancels the pending send")
{
    Coalescer<int> c(250ms);
    c.update(5);
    REQUIRE(c.take(kStart) == 5);
    c.update(6);
    CHECK(c.hasPending());
    CHECK_FALSE(c.update(5));
    CHECK_FALSE(c.hasPending());
    CHECK_FALSE(c.dueAt().has_value());
    CHECK_FALSE(c.takeFinal(kStart + 1ms).has_value());
}

TEST_CASE("The final take ignores the interval")
{
    Coalescer<int> c(1h);
    c.update(1);
    REQUIRE(c.take(kStart) == 1);
    c.update(2);
    CHECK_FALSE(c.take(kStart + 1s).has_value());
    CHECK(c.takeFinal(kStart + 1s) == 2);
    CHECK_FALSE(c.hasPending());
}
