// SPDX-License-Identifier: LGPL-2.1-or-later
// The names of the transient units Exec= apps run in, and the words of an Exec= line.
#include "core/TransientUnit.h"
#include "core/UnitOutcome.h"

#include <catch2/catch.hpp>

using namespace bgtask::core;

TEST_CASE("A transient unit is named after the app and the run, in characters systemd accepts")
{
    const auto [app, run, name] = GENERATE(table<std::string, std::int64_t, std::string>({
        {"org.example.Indexer", 7, "bgtask-org.example.Indexer-7.service"},
        {"org.my-app.Sync", 12, "bgtask-org.my\\x2dapp.Sync-12.service"},
        {"com.example.a_b", 1, "bgtask-com.example.a_b-1.service"},
        {"x y", 3, "bgtask-x\\x20y-3.service"},
        {"\xc3\xa9t\xc3\xa9", 4, "bgtask-\\xc3\\xa9t\\xc3\\xa9-4.service"},
    }));
    INFO(app);
    CHECK(transientUnitName(app, run) == name);
    CHECK(isValidUnitName(transientUnitName(app, run)));
}

TEST_CASE("A run's later transient units get the attempt in their name, never its first unit's name")
{
    const auto attempt = GENERATE(2, 3, 17);
    const auto name = transientUnitName("org.my-app.Sync", 12, attempt);
    CHECK(name == "bgtask-org.my\\x2dapp.Sync-12-" + std::to_string(attempt) + ".service");
    CHECK(name != transientUnitName("org.my-app.Sync", 12));
    CHECK(isValidUnitName(name));
    CHECK(transientUnitName("org.my-app.Sync", 12, 1) == transientUnitName("org.my-app.Sync", 12));
    const std::string longApp = "org." + std::string(400, 'a');
    const auto longName = transientUnitName(longApp, 123456789, attempt);
    CHECK(longName.size() <= 255);
    CHECK(longName.ends_with("-123456789-" + std::to_string(attempt) + ".service"));
}

TEST_CASE("A long app id is cut so that the transient unit name stays within 255 bytes")
{
    const auto fill = GENERATE(std::string(1, 'a'), std::string("-"));
    const std::string app = "org." + [&] { std::string s; while (s.size() < 400) s += fill; return s; }();
    const auto name = transientUnitName(app, 123456789);
    INFO(name);
    CHECK(name.size() <= 255);
    CHECK(name.size() >= 250);
    CHECK(name.ends_with("-123456789.service"));
    CHECK(isValidUnitName(name));
    // Never half an escape: what precedes the run id is whole "\x2d"s.
    if (fill == "-")
        CHECK(name.substr(0, name.size() - std::string("-123456789.service").size()).ends_with("\\x2d"));
}

TEST_CASE("An Exec line is split on whitespace without a shell")
{
    CHECK(execWords("/usr/bin/app --flag  value\targ") ==
          std::vector<std::string>{"/usr/bin/app", "--flag", "value", "arg"});
    CHECK(execWords("  /bin/true  ") == std::vector<std::string>{"/bin/true"});
    CHECK(execWords("/bin/sh -c 'a b'") == std::vector<std::string>{"/bin/sh", "-c", "'a", "b'"});
    CHECK(execWords("   ").empty());
    CHECK(execWords("").empty());
}
