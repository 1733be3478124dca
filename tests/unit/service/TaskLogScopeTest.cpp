// SPDX-License-Identifier: LGPL-2.1-or-later
#include "service/Log.h"

#include <catch2/catch.hpp>

#include <string>

using bgtask::service::TaskLogFields;
using bgtask::service::TaskLogScope;

namespace {

// Fills the stack where a temporary TaskLogFields lived, as the log call that follows a scope does.
[[gnu::noinline]] std::string clobberStack(int depth)
{
    volatile char filler[512];
    for (auto& c : filler)
        c = static_cast<char>(depth);
    return depth > 0 ? clobberStack(depth - 1) : std::string(1, filler[7]);
}

} // namespace

TEST_CASE("A TaskLogScope made from a temporary keeps its fields until it ends", "[log]")
{
    const std::string app = "org.example.App";
    const std::string identifier = "org.example.App.refresh";
    REQUIRE(TaskLogScope::current() == nullptr);
    {
        // RunController passes a braced temporary, which dies at the end of this statement.
        const TaskLogScope scope({app, identifier, 42, "completed"});
        clobberStack(4);
        const auto* fields = TaskLogScope::current();
        REQUIRE(fields != nullptr);
        CHECK(fields->app == app);
        CHECK(fields->identifier == identifier);
        CHECK(fields->runId == 42);
        CHECK(fields->outcome == "completed");
    }
    CHECK(TaskLogScope::current() == nullptr);
}

TEST_CASE("Nested TaskLogScopes restore the outer fields", "[log]")
{
    const TaskLogScope outer({"org.example.Outer", "org.example.Outer.a", 1, {}});
    {
        const TaskLogScope inner({"org.example.Inner", "org.example.Inner.b", 2, "failed"});
        REQUIRE(TaskLogScope::current() != nullptr);
        CHECK(TaskLogScope::current()->app == "org.example.Inner");
        CHECK(TaskLogScope::current()->runId == 2);
    }
    REQUIRE(TaskLogScope::current() != nullptr);
    CHECK(TaskLogScope::current()->app == "org.example.Outer");
    CHECK(TaskLogScope::current()->runId == 1);
    CHECK(TaskLogScope::current()->outcome.empty());
}
