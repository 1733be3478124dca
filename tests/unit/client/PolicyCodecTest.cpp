// SPDX-License-Identifier: LGPL-2.1-or-later
// Manager1's policy, budget and continued-processing keys, decoded leniently.
#include "RecordCodec.h"

#include <catch2/catch.hpp>

#include <cstdint>

using namespace bgtask;
using namespace bgtask::detail;
using namespace std::chrono_literals;

namespace {

const std::int64_t kMicros = 1'700'000'000'000'000;
const TimePoint kTime{std::chrono::microseconds{kMicros}};

VariantMap policyMap()
{
    VariantMap p;
    p["Refresh"] = sdbus::Variant(std::string("denied"));
    p["RefreshSource"] = sdbus::Variant(std::string("user"));
    p["RefreshUser"] = sdbus::Variant(false);
    p["Continued"] = sdbus::Variant(std::string("restricted"));
    p["ContinuedSource"] = sdbus::Variant(std::string("administrator"));
    p["ContinuedUser"] = sdbus::Variant(true);
    return p;
}

} // namespace

TEST_CASE("A policy decodes each setting's status, source and the user's switch")
{
    const AppPolicy p = decodeAppPolicy(policyMap());
    CHECK(p.refresh.status == "denied");
    CHECK(p.refresh.source == "user");
    CHECK_FALSE(p.refresh.user);
    CHECK(p.continued.status == "restricted");
    CHECK(p.continued.source == "administrator");
    CHECK(p.continued.user);
}

TEST_CASE("A policy from a daemon that leaves keys out reads as unknown with the user's switch on")
{
    VariantMap p;
    p["Refresh"] = sdbus::Variant(std::string("available"));
    p["RefreshUser"] = sdbus::Variant(std::string("not a bool"));
    p["Paused"] = sdbus::Variant(true);
    const AppPolicy policy = decodeAppPolicy(p);
    CHECK(policy.refresh.status == "available");
    CHECK(policy.refresh.source.empty());
    CHECK(policy.refresh.user);
    CHECK(policy.continued.status.empty());
    CHECK(policy.continued.user);
}

TEST_CASE("An app record decodes its running count, policy, budget and launch times")
{
    VariantMap record;
    record["App"] = sdbus::Variant(std::string("org.example.Feeds"));
    record["Pending"] = sdbus::Variant(std::uint32_t{2});
    record["Running"] = sdbus::Variant(std::uint32_t{1});
    record["Policy"] = sdbus::Variant(policyMap());
    record["BudgetUsed"] = sdbus::Variant(std::int64_t{720'000'000});
    record["BudgetLimit"] = sdbus::Variant(std::int64_t{3'600'000'000});
    record["BudgetResetsAt"] = sdbus::Variant(kMicros + 1);
    record["Terminations"] = sdbus::Variant(std::uint32_t{3});
    record["LastLaunch"] = sdbus::Variant(kMicros - 1);
    record["NextRefreshAt"] = sdbus::Variant(kMicros);

    const AppRecord a = decodeAppRecord(record);
    CHECK(a.app == "org.example.Feeds");
    CHECK(a.pending == 2);
    CHECK(a.running == 1);
    CHECK(a.policy.refresh.status == "denied");
    CHECK(a.policy.continued.source == "administrator");
    CHECK(a.budgetUsed == 12min);
    CHECK(a.budgetLimit == 60min);
    CHECK(a.budgetResetsAt == kTime + 1us);
    CHECK(a.terminations == 3);
    CHECK(a.lastLaunch == kTime - 1us);
    CHECK(a.nextRefreshAt == kTime);
}

TEST_CASE("An app record's zero times and limit read as none, and missing keys as defaults")
{
    VariantMap record;
    record["BudgetLimit"] = sdbus::Variant(std::int64_t{0});
    record["LastLaunch"] = sdbus::Variant(std::int64_t{0});
    record["NextRefreshAt"] = sdbus::Variant(std::int64_t{0});
    record["Running"] = sdbus::Variant(std::string("one"));   // wrong type: ignored
    const AppRecord a = decodeAppRecord(record);
    CHECK_FALSE(a.budgetLimit);
    CHECK_FALSE(a.lastLaunch);
    CHECK_FALSE(a.nextRefreshAt);
    CHECK_FALSE(a.budgetResetsAt);
    CHECK(a.running == 0);
    CHECK(a.terminations == 0);
    CHECK(a.budgetUsed == 0us);
    CHECK(a.policy.refresh.status.empty());
    CHECK(a.policy.refresh.user);
}

TEST_CASE("An explanation of running continued processing decodes progress, title and stall deadline")
{
    VariantMap record;
    record["State"] = sdbus::Variant(std::string("running"));
    record["Kind"] = sdbus::Variant(std::string("continued-processing"));
    record["CompletedUnitCount"] = sdbus::Variant(std::int64_t{3});
    record["TotalUnitCount"] = sdbus::Variant(std::int64_t{12});
    record["Title"] = sdbus::Variant(std::string("Exporting"));
    record["Subtitle"] = sdbus::Variant(std::string("3 of 12"));
    record["StallDeadline"] = sdbus::Variant(kMicros);

    const Explanation e = decodeExplanation(record);
    CHECK(e.completedUnitCount == 3);
    CHECK(e.totalUnitCount == 12);
    CHECK(e.title == "Exporting");
    CHECK(e.subtitle == "3 of 12");
    CHECK(e.stallDeadline == kTime);
}

TEST_CASE("An explanation of another kind has no progress, title or stall deadline")
{
    VariantMap record;
    record["State"] = sdbus::Variant(std::string("running"));
    record["Kind"] = sdbus::Variant(std::string("processing"));
    const Explanation e = decodeExplanation(record);
    CHECK_FALSE(e.completedUnitCount);
    CHECK_FALSE(e.totalUnitCount);
    CHECK(e.title.empty());
    CHECK_FALSE(e.stallDeadline);
}

TEST_CASE("Policy settings have the names SetPolicy expects")
{
    CHECK(toString(PolicySetting::Refresh) == "refresh");
    CHECK(toString(PolicySetting::Continued) == "continued");
}
