// SPDX-License-Identifier: LGPL-2.1-or-later
// core::coverNames: the NameOwnerChanged rules that follow many app names within a budget.
#include "core/NameCover.h"

#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

using namespace bgtask::core;

namespace {

// What dbus-daemon does with arg0 / arg0namespace for a name.
bool matches(const NameRule& rule, const std::string& name)
{
    if (!rule.isNamespace)
        return name == rule.name;
    return name == rule.name || name.starts_with(rule.name + ".");
}

std::size_t matchesOf(const std::vector<NameRule>& rules, const std::string& name)
{
    std::size_t n = 0;
    for (const auto& rule : rules)
        n += matches(rule, name) ? 1 : 0;
    return n;
}

// The distinct elements right below `prefix` among `names`.
std::set<std::string> childrenOf(const std::string& prefix, const std::vector<std::string>& names)
{
    std::set<std::string> children;
    for (const auto& name : names) {
        if (!name.starts_with(prefix + "."))
            continue;
        const auto rest = name.substr(prefix.size() + 1);
        children.insert(rest.substr(0, rest.find('.')));
    }
    return children;
}

// vendors × apps names over the top-level domains, some with a helper name below the app's.
std::vector<std::string> appNames(int domains, int vendors, int apps, bool helpers)
{
    const char* tlds[] = {"org", "com", "io", "net"};
    std::vector<std::string> names;
    for (int d = 0; d < domains; ++d)
        for (int v = 0; v < vendors; ++v)
            for (int a = 0; a < apps; ++a) {
                const auto app = std::string(tlds[d]) + ".vendor" + std::to_string(v) + ".App" + std::to_string(a);
                names.push_back(app);
                if (helpers && a % 3 == 0)
                    names.push_back(app + ".Helper");
            }
    return names;
}

} // namespace

TEST_CASE("A name cover fits the budget, matches every name once and is as deep as the budget allows")
{
    const int domains = GENERATE(1, 2, 4);
    const int vendors = GENERATE(1, 3, 12);
    const int apps = GENERATE(1, 5, 40);
    const bool helpers = GENERATE(false, true);
    const std::size_t budget = GENERATE(1u, 2u, 3u, 4u, 8u, 30u, 128u);
    auto names = appNames(domains, vendors, apps, helpers);
    names.push_back(names.front());   // duplicates are fine
    const std::set<std::string> distinct(names.begin(), names.end());
    CAPTURE(domains, vendors, apps, helpers, budget);

    const auto cover = coverNames(names, budget);
    if (static_cast<std::size_t>(domains) > budget && distinct.size() > budget) {
        CHECK_FALSE(cover.has_value());   // not even the top-level elements fit
        return;
    }
    REQUIRE(cover.has_value());
    CHECK(cover->size() <= budget);
    for (const auto& name : distinct)
        CHECK(matchesOf(*cover, name) == 1);
    // Unique names (clients joining and leaving) are never matched; a rule is a name or whole
    // elements of one ("org.vendor1", never "org.vendor" for "org.vendor12").
    for (const auto* other : {":1.42", ":1.7", "orgx.vendor0.App0"})
        CHECK(matchesOf(*cover, other) == 0);
    for (const auto& rule : *cover)
        CHECK((distinct.contains(rule.name) || !childrenOf(rule.name, names).empty()));
    if (distinct.size() <= budget) {
        // Every name its own exact rule.
        CHECK(cover->size() == distinct.size());
        for (const auto& rule : *cover)
            CHECK_FALSE(rule.isNamespace);
        return;
    }
    // Maximal: no namespace short of a name could be split into its children within the budget.
    for (const auto& rule : *cover) {
        if (!rule.isNamespace || distinct.contains(rule.name)) {
            // A name, exact, or with the names below it: one rule holds them all.
            CHECK(distinct.contains(rule.name));
            CHECK(rule.isNamespace == !childrenOf(rule.name, names).empty());
            continue;
        }
        CHECK(cover->size() + childrenOf(rule.name, names).size() - 1 > budget);
    }
    CHECK(coverNames(names, budget) == cover);   // deterministic
}

TEST_CASE("Six hundred apps of one vendor are covered by the vendor's namespace")
{
    std::vector<std::string> names{"org.example.Tracked"};
    for (int i = 0; i < 600; ++i)
        names.push_back("org.example.Many" + std::to_string(i));
    CHECK(coverNames(names, 128) == std::vector<NameRule>{{"org.example", true}});
    CHECK(coverNames(names, 601)->size() == 601);
    CHECK(coverNames(names, 0) == std::nullopt);
    CHECK(coverNames({}, 0) == std::vector<NameRule>{});
}

TEST_CASE("A name cover splits the shallowest namespace first and keeps a name with names below it whole")
{
    const std::vector<std::string> names{"com.a.X", "com.a.Y", "com.b.Z", "org.c.App", "org.c.App.Helper",
                                         "org.c.App.Other"};
    CHECK(coverNames(names, 2) == std::vector<NameRule>{{"com", true}, {"org.c.App", true}});
    CHECK(coverNames(names, 3) == std::vector<NameRule>{{"com.a", true}, {"com.b.Z", false}, {"org.c.App", true}});
    CHECK(coverNames(names, 4) == std::vector<NameRule>{{"com.a.X", false}, {"com.a.Y", false}, {"com.b.Z", false},
                                                        {"org.c.App", true}});
    CHECK(coverNames(names, 1) == std::nullopt);
}
