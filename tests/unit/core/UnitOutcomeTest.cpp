// SPDX-License-Identifier: LGPL-2.1-or-later
// The pure rules of runs in systemd units: how the manager's job result, ActiveState and Result
// become an outcome and a reason, which unit names can be started, and what the daily budget
// charges for a run whose CPU time is known.
#include "core/RunUsage.h"
#include "core/UnitOutcome.h"

#include <catch2/catch.hpp>

#include <limits>

using namespace bgtask::core;
using namespace std::chrono_literals;

namespace {

std::string describe(const std::optional<UnitVerdict>& v)
{
    if (!v)
        return "(running)";
    return std::string(toString(v->outcome)) + " / " + v->reason + " / " + v->endCause;
}

} // namespace

TEST_CASE("A unit run goes on while its start job is queued or the unit is not back to rest")
{
    const std::optional<std::string> job = GENERATE(std::optional<std::string>{}, std::optional<std::string>{"done"});
    const std::string state = GENERATE("", "activating", "active", "deactivating", "reloading", "inactive", "failed");
    const std::string result = GENERATE("", "success", "exit-code", "oom-kill");
    const bool stop = GENERATE(false, true);
    const UnitFacts facts{job, state, result, stop, stop ? "external-power-lost" : ""};
    const auto verdict = unitVerdict(facts);
    INFO(state << " job=" << job.value_or("-") << " result=" << result << " → " << describe(verdict));
    const bool atRest = state == "inactive" || state == "failed";
    CHECK(verdict.has_value() == (job.has_value() && atRest));
}

TEST_CASE("A unit that finished by itself completes on success and fails with systemd's result otherwise")
{
    struct Row {
        std::string job, state, result;
        Outcome outcome;
        std::string reason, cause;
    };
    const auto row = GENERATE(
        Row{"done", "inactive", "success", Outcome::Completed, "", ""},
        Row{"done", "inactive", "", Outcome::Completed, "", ""},   // a target: no Result
        Row{"done", "failed", "", Outcome::Failed, "failed", ""},
        Row{"done", "failed", "exit-code", Outcome::Failed, "exit-code", "exit-code"},
        Row{"failed", "failed", "exit-code", Outcome::Failed, "exit-code", "exit-code"},
        Row{"done", "inactive", "signal", Outcome::Failed, "signal", "signal"},
        Row{"done", "failed", "core-dump", Outcome::Failed, "core-dump", "core-dump"},
        Row{"done", "failed", "oom-kill", Outcome::Failed, "oom-kill", "oom-kill"},
        Row{"failed", "failed", "timeout", Outcome::Failed, "timeout", "timeout"},
        Row{"done", "failed", "watchdog", Outcome::Failed, "watchdog", "watchdog"},
        Row{"dependency", "inactive", "", Outcome::LaunchFailed, "unit-job-dependency", ""},
        Row{"canceled", "inactive", "", Outcome::LaunchFailed, "unit-job-canceled", ""},
        Row{"skipped", "inactive", "", Outcome::LaunchFailed, "unit-job-skipped", ""},
        Row{"timeout", "failed", "timeout", Outcome::LaunchFailed, "unit-job-timeout", "timeout"});
    const auto verdict = unitVerdict({row.job, row.state, row.result, false, ""});
    INFO(row.job << " " << row.state << " " << row.result << " → " << describe(verdict));
    REQUIRE(verdict.has_value());
    CHECK(*verdict == UnitVerdict{row.outcome, row.reason, row.cause});
}

TEST_CASE("A unit that bgtaskd stopped is expired with bgtaskd's reason, or terminated when systemd had to kill it")
{
    const std::string reason = GENERATE("external-power-lost", "time-limit", "simulated", "daemon-shutdown");
    const std::string job = GENERATE("done", "canceled", "failed");
    const std::string state = GENERATE("inactive", "failed");
    const std::string result = GENERATE("", "success", "signal", "exit-code", "timeout", "oom-kill");
    const auto verdict = unitVerdict({job, state, result, true, reason});
    INFO(reason << " " << job << " " << state << " " << result << " → " << describe(verdict));
    REQUIRE(verdict.has_value());
    CHECK(verdict->outcome == (result == "timeout" ? Outcome::Terminated : Outcome::Expired));
    CHECK(verdict->reason == reason);
    CHECK(verdict->endCause == (result == "success" ? "" : result));
}

TEST_CASE("Unit names are checked as systemd would before anything is started")
{
    const auto [name, valid] = GENERATE(table<std::string, bool>({
        {"apt-daily.service", true},
        {"plocate-updatedb.service", true},
        {"btrfs-scrub@-.service", true},
        {"backup@home.service", true},
        {"fstrim.timer", true},
        {"multi-user.target", true},
        {"srv-data.mount", true},
        {"user\\x2dbackup.service", true},
        {"backup@.service", false},     // a template without instance
        {"@x.service", false},
        {"a@b@c.service", false},
        {"apt-daily", false},
        {".service", false},
        {"apt daily.service", false},
        {"apt-daily.exe", false},
        {"dev-sda.device", false},       // cannot be started
        {"session-1.scope", false},
        {"-x.service", false},
        {"", false},
        {std::string(252, 'a') + ".service", false},
        {std::string(247, 'a') + ".service", true},
    }));
    INFO(name);
    CHECK(isValidUnitName(name) == valid);
}

TEST_CASE("Each unit type's properties are read on its own interface")
{
    CHECK(unitTypeInterface("apt-daily.service") == "org.freedesktop.systemd1.Service");
    CHECK(unitTypeInterface("srv.mount") == "org.freedesktop.systemd1.Mount");
    CHECK(unitTypeInterface("x.slice") == "org.freedesktop.systemd1.Slice");
}

TEST_CASE("The budget charges CPU time where it is known and run time otherwise")
{
    const TimePoint start = fromUsec(1'000'000'000);
    const auto wall = GENERATE(0s, 1s, 90s, 3600s);
    const std::optional<std::int64_t> cpu = GENERATE(std::optional<std::int64_t>{}, std::optional<std::int64_t>{0},
                                                     std::optional<std::int64_t>{1'500'000},
                                                     std::optional<std::int64_t>{7'200'000'000'000});
    const auto charge = budgetCharge(start, start + wall, cpu);
    INFO("wall " << wall.count() << " s, cpu " << (cpu ? std::to_string(*cpu) : "unknown") << " ns");
    if (cpu)
        CHECK(charge == std::chrono::duration_cast<Duration>(std::chrono::nanoseconds(*cpu)));
    else
        CHECK(charge == wall);
}

TEST_CASE("A run whose clock went backwards is charged nothing, not a refund")
{
    const TimePoint start = fromUsec(10'000'000);
    CHECK(budgetCharge(start, start - 5s, std::nullopt) == Duration{});
    CHECK(budgetCharge(start, start - 5s, std::int64_t{2'000'000'000}) == 2s);
}

TEST_CASE("systemd's unset accounting value and values beyond a signed column are unknown")
{
    const auto [raw, value] = GENERATE(table<std::uint64_t, std::optional<std::int64_t>>({
        {0, 0},
        {4096, 4096},
        {std::uint64_t{std::numeric_limits<std::int64_t>::max()}, std::numeric_limits<std::int64_t>::max()},
        {std::uint64_t{std::numeric_limits<std::int64_t>::max()} + 1, std::nullopt},
        {std::numeric_limits<std::uint64_t>::max(), std::nullopt},
    }));
    CHECK(accountingValue(raw) == value);
}

TEST_CASE("A run sharing its unit is charged the counters' growth since its start and the unit's peak memory")
{
    const RunUsage start{std::int64_t{700'000'000}, std::int64_t{40 << 20}, std::int64_t{4096}, std::nullopt, ""};
    const RunUsage end{std::int64_t{750'000'000}, std::int64_t{60 << 20}, std::int64_t{8192}, std::int64_t{100},
                       "signal"};
    const auto usage = usageSince(end, start);
    CHECK(usage.cpuNsec == 50'000'000);
    CHECK(usage.memoryPeakBytes == (60 << 20));
    CHECK(usage.ioReadBytes == 4096);
    CHECK(usage.ioWriteBytes == std::nullopt);   // not known at the start
    CHECK(usage.endCause == "signal");
}

TEST_CASE("A run sharing its unit is charged from zero, never a refund, and nothing unknown")
{
    const auto [cpuStart, cpuEnd, charged] = GENERATE(table<std::optional<std::int64_t>, std::optional<std::int64_t>,
                                                            std::optional<std::int64_t>>({
        {std::int64_t{0}, std::int64_t{5}, std::int64_t{5}},
        {std::int64_t{9}, std::int64_t{5}, std::int64_t{0}},   // a counter reset: nothing, not negative
        {std::nullopt, std::int64_t{5}, std::nullopt},
        {std::int64_t{5}, std::nullopt, std::nullopt},
    }));
    RunUsage start;
    start.cpuNsec = cpuStart;
    RunUsage end;
    end.cpuNsec = cpuEnd;
    CHECK(usageSince(end, start).cpuNsec == charged);
}
