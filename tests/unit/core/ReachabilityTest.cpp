// SPDX-License-Identifier: LGPL-2.1-or-later
// A launch that did not reach its app never consumes the request (issue 11, defect 1): which
// bus errors mean "unreachable", the retry delays, and the planner's "app-unreachable" blocker.
#include "Fixtures.h"

#include "core/Planner.h"
#include "core/Reachability.h"

#include <catch2/catch.hpp>

using namespace bgtask::core;
using namespace bgtask::core::test;
using namespace std::chrono_literals;

namespace {

const TimePoint kNow = referenceTime();

TaskRequest refresh(std::optional<Unreachable> unreachable = std::nullopt)
{
    TaskRequest r;
    r.id = 1;
    r.app = kApp;
    r.identifier = "org.example.Feeds.refresh";
    r.kind = TaskKind::AppRefresh;
    r.unreachable = std::move(unreachable);
    return r;
}

} // namespace

TEST_CASE("Only errors that say the bus cannot start the name mean the app is unreachable")
{
    const auto [name, unreachable] = GENERATE(table<std::string, bool>({
        {"org.freedesktop.DBus.Error.ServiceUnknown", true},
        {"org.freedesktop.DBus.Error.NameHasNoOwner", true},
        {"org.freedesktop.DBus.Error.Spawn.ServiceNotFound", true},
        {"org.freedesktop.DBus.Error.Spawn.ChildExited", false},
        {"org.freedesktop.DBus.Error.Spawn.ExecFailed", false},
        {"org.freedesktop.DBus.Error.NoReply", false},
        {"org.freedesktop.DBus.Error.TimedOut", false},
        {"org.freedesktop.DBus.Error.AccessDenied", false},
        {"", false},
    }));
    INFO(name);
    CHECK(isUnreachableError(name) == unreachable);
}

TEST_CASE("Retries of an unreachable app double from 30 s up to an hour")
{
    const auto [attempts, delay] = GENERATE(table<int, Duration>({
        {1, Duration{30s}}, {2, Duration{60s}}, {3, Duration{120s}}, {4, Duration{240s}}, {7, Duration{1920s}},
        {8, Duration{3600s}}, {9, Duration{3600s}}, {1000, Duration{3600s}},
    }));
    INFO(attempts);
    CHECK(unreachableRetryDelay(attempts) == delay);
}

TEST_CASE("Each launch that does not reach the app counts an attempt and keeps the first moment")
{
    const auto first = markUnreachable(std::nullopt, "not-activatable: x", kNow);
    CHECK(first.since == kNow);
    CHECK(first.attempts == 1);
    CHECK(first.retryAt == kNow + 30s);
    const auto second = markUnreachable(first, "not-registered: y", kNow + 40s);
    CHECK(second.since == kNow);
    CHECK(second.attempts == 2);
    CHECK(second.retryAt == kNow + 40s + 60s);
    CHECK(second.why == "not-registered: y");
    CHECK(unreachableReason(second) ==
          "app-unreachable: not-registered: y (2 attempts; retried when the app registers)");
}

TEST_CASE("Planner holds an unreachable request until its retry and says why")
{
    const auto state = markUnreachable(std::nullopt, "not-activatable: no activation file", kNow);
    const auto offset = GENERATE(as<Duration>{}, 0s, 10s, 29s, 30s, 31s, 3600s);
    const auto now = kNow + offset;
    const std::vector<TaskRequest> pending{refresh(state)};
    const auto result = plan(pending, {}, now);
    const auto readiness = evaluate(pending.front(), {}, now);
    INFO(std::chrono::duration_cast<std::chrono::seconds>(offset).count());
    if (now < state.retryAt) {
        CHECK(result.launch.empty());
        CHECK(result.nextWakeup == state.retryAt);
        REQUIRE(readiness.unmet.size() == 1);
        CHECK(readiness.unmet.front().condition == kBlockerAppUnreachable);
        CHECK(readiness.unmet.front().reason.starts_with("app-unreachable: not-activatable: no activation file"));
        CHECK(readiness.dueAt == state.retryAt);
    } else {
        CHECK(result.launch == std::vector<std::int64_t>{1});
        CHECK(readiness.due);
    }
}

TEST_CASE("Planner launches a request at once when nothing marks it unreachable")
{
    const std::vector<TaskRequest> pending{refresh()};
    CHECK(plan(pending, {}, kNow).launch == std::vector<std::int64_t>{1});
}
