// SPDX-License-Identifier: LGPL-2.1-or-later
// The compact optionals of a pending request (core/Compact.h) behave as std::optional does.
#include "core/Compact.h"
#include "core/TaskRequest.h"

#include <catch2/catch.hpp>

#include <limits>
#include <string>
#include <vector>

using namespace bgtask::core;
using namespace std::chrono_literals;

TEST_CASE("A slim optional duration is unset, set, compared and reset like std::optional")
{
    SlimOptional<Duration> d;
    CHECK_FALSE(d.has_value());
    CHECK(d == std::nullopt);
    CHECK(d.value_or(5s) == 5s);
    CHECK_THROWS_AS(d.value(), std::bad_optional_access);
    CHECK(std::optional<Duration>(d) == std::nullopt);

    d = 1h;   // another unit converts
    REQUIRE(d.has_value());
    CHECK(*d == 3600s);
    CHECK(d == Duration(3600s));
    CHECK(std::optional<Duration>(d) == std::optional<Duration>(1h));
    CHECK(d != SlimOptional<Duration>());
    CHECK(d == SlimOptional<Duration>(std::optional<Duration>(1h)));

    // Zero and negative values are values, not "unset".
    d = Duration::zero();
    CHECK(d.has_value());
    d = Duration{-1};
    CHECK(d.has_value());
    d.reset();
    CHECK_FALSE(d);
    d = std::optional<Duration>(2s);
    CHECK(*d == 2s);
    d = std::nullopt;
    CHECK_FALSE(d);
}

TEST_CASE("A slim optional time point keeps the epoch and negative times as values")
{
    SlimOptional<TimePoint> t = TimePoint{};
    CHECK(t.has_value());
    CHECK(toUsec(*t) == 0);
    t = fromUsec(-5);
    CHECK(t.has_value());
    CHECK(toUsec(*t) == -5);
    t = fromUsec(std::numeric_limits<std::int64_t>::max());
    CHECK(toUsec(t.value()) == std::numeric_limits<std::int64_t>::max());
}

TEST_CASE("A heap optional copies deeply, moves, compares and converts like std::optional")
{
    HeapOptional<std::string> a;
    CHECK_FALSE(a);
    CHECK(a == std::nullopt);
    CHECK(a.value_or("none") == "none");
    a = std::string("title");
    REQUIRE(a);
    CHECK(*a == "title");
    CHECK(a->size() == 5);
    CHECK(a == std::string("title"));

    HeapOptional<std::string> b = a;   // a deep copy
    *b += "!";
    CHECK(*a == "title");
    CHECK(*b == "title!");
    CHECK_FALSE(a == b);
    b = a;
    CHECK(a == b);

    HeapOptional<std::string> moved = std::move(b);
    CHECK(*moved == "title");

    const std::optional<std::string> plain = a;
    CHECK(plain == std::optional<std::string>("title"));
    a = std::optional<std::string>();
    CHECK_FALSE(a);
    CHECK(a == HeapOptional<std::string>());

    HeapOptional<std::vector<std::string>> list = std::vector<std::string>{"gpu"};
    CHECK(list->front() == "gpu");
    CHECK(std::optional<std::vector<std::string>>(list) == std::vector<std::string>{"gpu"});
}

TEST_CASE("A pending request with its options takes at most 192 bytes")
{
    // 400 bytes before the compact optionals; bgtaskd keeps one per pending request.
    CHECK(sizeof(RequestOptions) <= 96);
    CHECK(sizeof(TaskRequest) <= 192);
    // Every option still round-trips through equality.
    TaskRequest a;
    a.options.title = std::string("t");
    a.options.repeatInterval = 1h;
    a.unreachable = Unreachable{TimePoint{}, TimePoint{}, 1, "why"};
    TaskRequest b = a;
    CHECK(a == b);
    b.unreachable->attempts = 2;
    CHECK_FALSE(a == b);
    b = a;
    b.options.repeatInterval = 2h;
    CHECK_FALSE(a == b);
}
