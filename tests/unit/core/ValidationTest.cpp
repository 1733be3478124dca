// SPDX-License-Identifier: LGPL-2.1-or-later
// Submit-time rules: identifier syntax, what the manifest permits, which options each kind
// takes, titles and resources of continued processing, and the per-app quotas.
#include "Fixtures.h"

#include "core/Validation.h"

#include <catch2/catch.hpp>

#include <functional>
#include <set>
#include <string>
#include <vector>

using namespace bgtask::core;
using namespace bgtask::core::test;

namespace {

using K = TaskKind;

struct OptionCase {
    std::string name;
    std::function<void(RequestOptions&)> set;
    std::set<TaskKind> kinds;   // the kinds the option applies to
};

// Written from the contract, not from the implementation's table.
std::vector<OptionCase> optionCases()
{
    const std::set<TaskKind> scheduled = {K::AppRefresh, K::Processing, K::HealthResearch};
    return {
        {"EarliestBeginDate", [](RequestOptions& o) { o.earliestBeginDate = referenceTime(); },
         {K::AppRefresh, K::Processing, K::HealthResearch, K::ContinuedProcessing}},
        {"RequiresNetworkConnectivity", [](RequestOptions& o) { o.requiresNetworkConnectivity = true; },
         scheduled},
        {"RequiresExternalPower", [](RequestOptions& o) { o.requiresExternalPower = false; }, scheduled},
        {"NetworkType", [](RequestOptions& o) { o.networkType = NetworkType::Unmetered; }, scheduled},
        {"RequiresBatteryNotLow", [](RequestOptions& o) { o.requiresBatteryNotLow = true; }, scheduled},
        {"ProtectionTypeOfRequiredData", [](RequestOptions& o) { o.protectionTypeOfRequiredData = Protection::None; },
         {K::HealthResearch}},
        {"Title", [](RequestOptions& o) { o.title = "Exporting"; }, {K::ContinuedProcessing}},
        {"Subtitle", [](RequestOptions& o) { o.subtitle = "3 of 10"; }, {K::ContinuedProcessing}},
        {"Strategy", [](RequestOptions& o) { o.strategy = Strategy::Fail; }, {K::ContinuedProcessing}},
        {"RequiredResources", [](RequestOptions& o) { o.requiredResources = std::vector<std::string>{"gpu"}; },
         {K::ContinuedProcessing}},
    };
}

TaskRequest requestOf(TaskKind kind, std::string identifier)
{
    TaskRequest r;
    r.app = kApp;
    r.kind = kind;
    r.identifier = std::move(identifier);
    return r;
}

} // namespace

TEST_CASE("A request of each kind with no optional options passes validation")
{
    const auto kind = GENERATE(from_range(std::begin(kAllTaskKinds), std::end(kAllTaskKinds)));
    CAPTURE(toString(kind));
    CHECK_NOTHROW(validateRequest(fullManifest(), validRequest(kind)));
}

TEST_CASE("Each option is accepted by the kinds it applies to and refused by the others")
{
    const auto cases = optionCases();
    const auto index = GENERATE(range(0, 10));
    const auto kind = GENERATE(from_range(std::begin(kAllTaskKinds), std::end(kAllTaskKinds)));
    REQUIRE(cases.size() == 10);
    const auto& option = cases[static_cast<std::size_t>(index)];
    CAPTURE(option.name, toString(kind));

    auto request = validRequest(kind);
    option.set(request.options);
    if (option.kinds.contains(kind)) {
        CHECK_NOTHROW(validateRequest(fullManifest(), request));
    } else {
        const auto message = requireError([&] { validateRequest(fullManifest(), request); },
                                          ErrorCode::InvalidArgument, "option-not-applicable");
        CHECK(message.find(option.name) != std::string::npos);
        CHECK(message.find(std::string(toString(kind))) != std::string::npos);
    }
}

TEST_CASE("A syntactically bad identifier is refused before anything else")
{
    const std::string identifier = GENERATE("", "refresh", "org.example.Feeds.", "org..x",
                                            "org.example.Feeds.export.*", "org.example.Feeds.a b",
                                            std::string(256, 'a'));
    const auto kind = GENERATE(from_range(std::begin(kAllTaskKinds), std::end(kAllTaskKinds)));
    CAPTURE(identifier, toString(kind));
    Manifest m = fullManifest();
    m.kinds.clear();   // would be kind-not-permitted, but syntax comes first
    auto request = validRequest(kind);
    request.identifier = identifier;
    requireError([&] { validateRequest(m, request); }, ErrorCode::InvalidArgument, "bad-identifier");
}

TEST_CASE("A kind the manifest does not declare is not permitted")
{
    const auto kind = GENERATE(from_range(std::begin(kAllTaskKinds), std::end(kAllTaskKinds)));
    CAPTURE(toString(kind));
    Manifest m = fullManifest();
    m.kinds.erase(kind);
    requireError([&] { validateRequest(m, validRequest(kind)); }, ErrorCode::NotPermitted,
                 "kind-not-permitted");
}

TEST_CASE("An identifier the manifest does not list is not permitted, and the message names it")
{
    const auto message = requireError(
        [&] { validateRequest(fullManifest(), requestOf(K::AppRefresh, "x.y")); },
        ErrorCode::NotPermitted, "not-in-manifest");
    CHECK(message == "not-in-manifest: app org.example.Feeds does not permit identifier 'x.y'");
}

TEST_CASE("Wildcard entries permit continued processing only")
{
    const auto kind = GENERATE(from_range(std::begin(kAllTaskKinds), std::end(kAllTaskKinds)));
    CAPTURE(toString(kind));
    auto request = validRequest(kind);
    request.identifier = "org.example.Feeds.export.job7";
    if (kind == K::ContinuedProcessing)
        CHECK_NOTHROW(validateRequest(fullManifest(), request));
    else
        requireError([&] { validateRequest(fullManifest(), request); }, ErrorCode::NotPermitted,
                     "not-in-manifest");
}

TEST_CASE("Health research needs the health-research entitlement")
{
    Manifest m = fullManifest();
    m.entitlements.erase(Entitlement::HealthResearch);
    requireError([&] { validateRequest(m, validRequest(K::HealthResearch)); }, ErrorCode::NotPermitted,
                 "entitlement-missing");
    // The other kinds do not need it.
    CHECK_NOTHROW(validateRequest(m, validRequest(K::Processing)));
}

TEST_CASE("Permission problems are reported before option problems")
{
    Manifest m = fullManifest();
    m.entitlements.clear();
    auto request = validRequest(K::HealthResearch);
    request.options.title = "not for health research";
    requireError([&] { validateRequest(m, request); }, ErrorCode::NotPermitted, "entitlement-missing");
    request.identifier = "org.example.Feeds.unlisted";
    requireError([&] { validateRequest(m, request); }, ErrorCode::NotPermitted, "not-in-manifest");
}

TEST_CASE("An earliest begin date before the epoch is out of range")
{
    const auto [usec, valid] = GENERATE(table<std::int64_t, bool>({
        {-1, false}, {-1'000'000, false}, {0, true}, {1, true}, {1'800'000'000'000'000, true}}));
    const auto kind = GENERATE(from_range(std::begin(kAllTaskKinds), std::end(kAllTaskKinds)));
    CAPTURE(usec, toString(kind));
    auto request = validRequest(kind);
    request.options.earliestBeginDate = fromUsec(usec);
    if (valid)
        CHECK_NOTHROW(validateRequest(fullManifest(), request));
    else
        requireError([&] { validateRequest(fullManifest(), request); }, ErrorCode::InvalidArgument,
                     "out-of-range");
}

TEST_CASE("Continued processing needs a non-empty title and bounds title and subtitle in bytes")
{
    const auto [title, subtitle, subReason] =
        GENERATE(table<std::optional<std::string>, std::optional<std::string>, std::string>({
            {std::nullopt, std::nullopt, "missing-title"},
            {"", std::nullopt, "missing-title"},
            {"", std::string(300, 's'), "missing-title"},
            {"Export", std::nullopt, ""},
            {"Export", "", ""},
            {std::string(256, 't'), std::string(256, 's'), ""},
            {std::string(257, 't'), std::nullopt, "out-of-range"},
            {"Export", std::string(257, 's'), "out-of-range"},
            {std::string(128, 't') + "\xC3\xA9", std::nullopt, ""},               // 130 bytes
            {std::string(255, 't') + "\xC3\xA9", std::nullopt, "out-of-range"},   // 257 bytes
        }));
    CAPTURE(title, subtitle);
    auto request = validRequest(K::ContinuedProcessing);
    request.options.title = title;
    request.options.subtitle = subtitle;
    if (subReason.empty())
        CHECK_NOTHROW(validateRequest(fullManifest(), request));
    else
        requireError([&] { validateRequest(fullManifest(), request); }, ErrorCode::InvalidArgument, subReason);
}

TEST_CASE("Required resources are a set of gpu that needs the gpu entitlement")
{
    using Resources = std::vector<std::string>;
    const auto [resources, entitled, code, subReason] =
        GENERATE(table<Resources, bool, ErrorCode, std::string>({
            {{}, false, ErrorCode::Internal, ""},
            {{}, true, ErrorCode::Internal, ""},
            {{"gpu"}, true, ErrorCode::Internal, ""},
            {{"gpu"}, false, ErrorCode::NotPermitted, "entitlement-missing"},
            {{"gpu", "gpu"}, true, ErrorCode::InvalidArgument, "out-of-range"},
            {{"GPU"}, true, ErrorCode::InvalidArgument, "out-of-range"},
            {{"cpu"}, true, ErrorCode::InvalidArgument, "out-of-range"},
            {{""}, true, ErrorCode::InvalidArgument, "out-of-range"},
            {{"gpu", "neural-engine"}, false, ErrorCode::InvalidArgument, "out-of-range"},
        }));
    CAPTURE(resources, entitled);
    Manifest m = fullManifest();
    if (!entitled)
        m.entitlements.erase(Entitlement::Gpu);
    auto request = validRequest(K::ContinuedProcessing);
    request.options.requiredResources = resources;
    if (subReason.empty())
        CHECK_NOTHROW(validateRequest(m, request));
    else
        requireError([&] { validateRequest(m, request); }, code, subReason);
}

TEST_CASE("Quotas count pending requests per budget and a same-identifier request replaces one")
{
    const auto refreshCount = GENERATE(range(0, 12));
    const auto processingCount = GENERATE(range(0, 12));
    const auto healthCount = GENERATE(range(0, 12));
    const auto continuedCount = GENERATE(0, 11);
    const auto incomingKind = GENERATE(from_range(std::begin(kAllTaskKinds), std::end(kAllTaskKinds)));
    const auto replaces = GENERATE(false, true);

    const std::string incomingId = "org.example.Feeds.incoming";
    std::vector<TaskRequest> pending;
    bool replaced = false;
    const auto add = [&](TaskKind kind, int count) {
        for (int i = 0; i < count; ++i) {
            // One pending request of the incoming kind carries the incoming identifier.
            const bool same = replaces && kind == incomingKind && i == 0;
            replaced = replaced || same;
            pending.push_back(requestOf(kind, same ? incomingId
                                                   : "org.example.Feeds." + std::string(toString(kind)) +
                                                         std::to_string(i)));
        }
    };
    add(K::AppRefresh, refreshCount);
    add(K::Processing, processingCount);
    add(K::HealthResearch, healthCount);
    add(K::ContinuedProcessing, continuedCount);
    std::vector<const TaskRequest*> pointers;
    for (const auto& r : pending)
        pointers.push_back(&r);

    int counted = 0;
    std::size_t limit = 0;
    const Limits limits;
    if (incomingKind == K::AppRefresh) {
        counted = refreshCount;
        limit = limits.maxPendingAppRefresh;
    } else if (incomingKind != K::ContinuedProcessing) {
        counted = processingCount + healthCount;
        limit = limits.maxPendingProcessing;
    }
    counted -= replaced ? 1 : 0;
    const bool refused = incomingKind != K::ContinuedProcessing && static_cast<std::size_t>(counted) >= limit;

    CAPTURE(refreshCount, processingCount, healthCount, continuedCount, toString(incomingKind), replaced);
    const auto incoming = requestOf(incomingKind, incomingId);
    if (refused)
        requireError([&] { checkQuota(pointers, incoming, limits); }, ErrorCode::TooManyPendingTaskRequests,
                     "quota");
    else
        CHECK_NOTHROW(checkQuota(pointers, incoming, limits));
}

TEST_CASE("A same-identifier request of another kind is replaced too and frees its slot")
{
    const auto pendingRefresh = requestOf(K::AppRefresh, "org.example.Feeds.a");
    const auto incomingSame = requestOf(K::Processing, "org.example.Feeds.a");
    const auto incomingOther = requestOf(K::AppRefresh, "org.example.Feeds.b");
    const TaskRequest* pending[] = {&pendingRefresh};
    CHECK_NOTHROW(checkQuota(pending, requestOf(K::AppRefresh, "org.example.Feeds.a"), Limits{}));
    CHECK_NOTHROW(checkQuota(pending, incomingSame, Limits{}));
    requireError([&] { checkQuota(pending, incomingOther, Limits{}); }, ErrorCode::TooManyPendingTaskRequests,
                 "quota");
}

TEST_CASE("Quota messages name the app, the count and the limit")
{
    const auto refresh = requestOf(K::AppRefresh, "org.example.Feeds.a");
    const TaskRequest* one[] = {&refresh};
    CHECK(requireError([&] { checkQuota(one, requestOf(K::AppRefresh, "org.example.Feeds.b"), Limits{}); },
                       ErrorCode::TooManyPendingTaskRequests, "quota") ==
          "quota: app org.example.Feeds already has 1 pending app-refresh request (limit 1)");

    Limits limits;
    limits.maxPendingProcessing = 2;
    const auto p = requestOf(K::Processing, "org.example.Feeds.p");
    const auto h = requestOf(K::HealthResearch, "org.example.Feeds.h");
    const TaskRequest* two[] = {&p, &h, &refresh};
    CHECK(requireError([&] { checkQuota(two, requestOf(K::HealthResearch, "org.example.Feeds.c"), limits); },
                       ErrorCode::TooManyPendingTaskRequests, "quota") ==
          "quota: app org.example.Feeds already has 2 pending processing and health-research requests "
          "(limit 2)");
}

TEST_CASE("Quotas follow configured limits")
{
    Limits limits;
    limits.maxPendingAppRefresh = 3;
    limits.maxPendingProcessing = 0;
    std::vector<TaskRequest> refreshes;
    for (int i = 0; i < 3; ++i)
        refreshes.push_back(requestOf(K::AppRefresh, "org.example.Feeds.r" + std::to_string(i)));
    std::vector<const TaskRequest*> pointers;
    for (const auto& r : refreshes)
        pointers.push_back(&r);
    const auto incoming = requestOf(K::AppRefresh, "org.example.Feeds.new");
    CHECK_NOTHROW(checkQuota(std::span(pointers).first(2), incoming, limits));
    requireError([&] { checkQuota(pointers, incoming, limits); }, ErrorCode::TooManyPendingTaskRequests, "quota");
    requireError([&] { checkQuota({}, requestOf(K::Processing, "org.example.Feeds.p"), limits); },
                 ErrorCode::TooManyPendingTaskRequests, "quota");
}
