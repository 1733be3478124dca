// SPDX-License-Identifier: LGPL-2.1-or-later
#include "RequestCodec.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

using namespace bgtask;
using bgtask::detail::decodeRequest;
using bgtask::detail::encodeRequest;
using bgtask::detail::VariantMap;

namespace {

const TimePoint kSomeTime{std::chrono::microseconds{1'700'000'000'123'456}};

std::vector<std::string> keysOf(const VariantMap& map)
{
    std::vector<std::string> keys;
    for (const auto& [key, value] : map)
        keys.push_back(key);
    return keys;
}

} // namespace

TEST_CASE("An app-refresh request without an earliest begin date travels without options")
{
    const auto wire = encodeRequest(AppRefreshTaskRequest{"org.example.Feeds.refresh", std::nullopt});
    CHECK(wire.kind == "app-refresh");
    CHECK(wire.identifier == "org.example.Feeds.refresh");
    CHECK(wire.options.empty());
}

TEST_CASE("EarliestBeginDate travels as int64 microseconds since the Unix epoch")
{
    const auto wire = encodeRequest(AppRefreshTaskRequest{"a.b", kSomeTime});
    REQUIRE(keysOf(wire.options) == std::vector<std::string>{"EarliestBeginDate"});
    const auto& value = wire.options.at("EarliestBeginDate");
    CHECK(value.peekValueType() == "x");
    CHECK(value.get<std::int64_t>() == 1'700'000'000'123'456);
}

TEST_CASE("A processing request sends only the options that are set, with the documented types")
{
    ProcessingTaskRequest request;
    request.identifier = "org.example.Sync.db";
    request.requiresExternalPower = true;
    request.networkType = NetworkType::Unmetered;
    const auto wire = encodeRequest(request);
    CHECK(wire.kind == "processing");
    REQUIRE(keysOf(wire.options) == std::vector<std::string>{"NetworkType", "RequiresExternalPower"});
    CHECK(wire.options.at("RequiresExternalPower").peekValueType() == "b");
    CHECK(wire.options.at("NetworkType").get<std::string>() == "unmetered");
}

TEST_CASE("A health-research request adds its protection type to the processing options")
{
    HealthResearchTaskRequest request;
    request.identifier = "org.example.Study.upload";
    request.requiresNetworkConnectivity = true;
    request.protectionTypeOfRequiredData = ProtectionType::CompleteUntilFirstUserAuthentication;
    const auto wire = encodeRequest(request);
    CHECK(wire.kind == "health-research");
    REQUIRE(keysOf(wire.options) ==
            std::vector<std::string>{"ProtectionTypeOfRequiredData", "RequiresNetworkConnectivity"});
    CHECK(wire.options.at("ProtectionTypeOfRequiredData").get<std::string>() ==
          "complete-until-first-user-authentication");
}

TEST_CASE("A continued-processing request always sends its title and its resources as a string array")
{
    ContinuedProcessingTaskRequest request;
    request.identifier = "org.example.Video.export.A1B2";
    request.title = "Exporting";
    request.strategy = SubmissionStrategy::Fail;
    request.requiredResources = Resources::Gpu;
    const auto wire = encodeRequest(request);
    CHECK(wire.kind == "continued-processing");
    REQUIRE(keysOf(wire.options) == std::vector<std::string>{"RequiredResources", "Strategy", "Title"});
    CHECK(wire.options.at("RequiredResources").peekValueType() == "as");
    CHECK(wire.options.at("RequiredResources").get<std::vector<std::string>>() == std::vector<std::string>{"gpu"});
    CHECK(wire.options.at("Strategy").get<std::string>() == "fail");
}

TEST_CASE("Every kind of request survives the round trip through its wire form")
{
    ProcessingTaskRequest processing;
    processing.identifier = "org.example.P.all";
    processing.earliestBeginDate = kSomeTime;
    processing.requiresNetworkConnectivity = true;
    processing.requiresExternalPower = true;
    processing.networkType = NetworkType::Connected;
    processing.requiresBatteryNotLow = true;

    HealthResearchTaskRequest health;
    static_cast<ProcessingTaskRequest&>(health) = processing;
    health.identifier = "org.example.H.all";
    health.protectionTypeOfRequiredData = ProtectionType::Complete;

    ContinuedProcessingTaskRequest continued;
    continued.identifier = "org.example.C.x";
    continued.title = "Title";
    continued.subtitle = "Subtitle";
    continued.strategy = SubmissionStrategy::Fail;
    continued.requiredResources = Resources::Gpu;
    continued.earliestBeginDate = kSomeTime;

    const TaskRequest request = GENERATE_COPY(values<TaskRequest>({
        AppRefreshTaskRequest{"org.example.A.refresh", std::nullopt},
        AppRefreshTaskRequest{"org.example.A.refresh", kSomeTime},
        ProcessingTaskRequest{"org.example.P.none"},
        processing,
        health,
        HealthResearchTaskRequest{},
        continued,
        ContinuedProcessingTaskRequest{"org.example.C.y", "Only a title"},
    }));
    const auto wire = encodeRequest(request);
    const auto decoded = decodeRequest(wire.kind, wire.identifier, wire.options);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == request);
}

TEST_CASE("Decoding ignores unknown keys, values of the wrong type and unknown enum spellings")
{
    VariantMap options;
    options["RequiresExternalPower"] = sdbus::Variant(std::string("yes"));  // wrong type
    options["FutureOption"] = sdbus::Variant(std::int32_t{7});
    options["NetworkType"] = sdbus::Variant(std::string("satellite"));
    options["RequiresNetworkConnectivity"] = sdbus::Variant(true);
    const auto decoded = decodeRequest("processing", "org.example.P", options);
    REQUIRE(decoded.has_value());
    const auto& processing = std::get<ProcessingTaskRequest>(*decoded);
    CHECK_FALSE(processing.requiresExternalPower);
    CHECK_FALSE(processing.networkType.has_value());
    CHECK(processing.requiresNetworkConnectivity);
}

TEST_CASE("A request of a kind this library does not know decodes to nothing")
{
    CHECK_FALSE(decodeRequest("teleportation", "org.example.T", {}).has_value());
}

TEST_CASE("An earliest begin date of 0 reads as no date")
{
    VariantMap options;
    options["EarliestBeginDate"] = sdbus::Variant(std::int64_t{0});
    const auto decoded = decodeRequest("app-refresh", "org.example.A", options);
    REQUIRE(decoded.has_value());
    CHECK_FALSE(earliestBeginDateOf(*decoded).has_value());
}

TEST_CASE("The request helpers see through the variant")
{
    const TaskRequest request = HealthResearchTaskRequest{{"org.example.H", kSomeTime}, std::nullopt};
    CHECK(kindOf(request) == TaskKind::HealthResearch);
    CHECK(identifierOf(request) == "org.example.H");
    CHECK(earliestBeginDateOf(request) == kSomeTime);
    CHECK(toString(kindOf(request)) == "health-research");
    CHECK(taskKindFromString("continued-processing") == TaskKind::ContinuedProcessing);
    CHECK_FALSE(taskKindFromString("App-Refresh").has_value());
}

// ---- writeSubmit: the options written straight into the message --------------------------------

namespace sdbus {
// Exported by libsdbus-c++ (its Variants are made with it), but not declared in its 1.2 headers: a
// message without a bus, as Variant uses.
PlainMessage createPlainMessage();
} // namespace sdbus

namespace {

std::string valueText(const sdbus::Variant& value, const std::string& signature)
{
    if (signature == "x")
        return std::to_string(value.get<std::int64_t>());
    if (signature == "b")
        return value.get<bool>() ? "true" : "false";
    if (signature == "s")
        return '"' + value.get<std::string>() + '"';
    if (signature == "as") {
        std::string text;
        for (const auto& item : value.get<std::vector<std::string>>())
            text += '"' + item + "\" ";
        return "[" + text + "]";
    }
    return "?";
}

// Submit's arguments as read back from the message, entry by entry in wire order: kind,
// identifier, then each option's key, its variant's signature and its value.
std::vector<std::string> readSubmit(sdbus::Message& message)
{
    message.seal();
    message.rewind(true);
    std::string kind;
    std::string identifier;
    message >> kind >> identifier;
    std::vector<std::string> read{kind, identifier};
    message.enterContainer("{sv}");
    while (message.enterDictEntry("sv")) {
        std::string key;
        message >> key;
        std::string type;
        std::string contents;
        message.peekType(type, contents);
        sdbus::Variant value;
        message >> value;
        message.exitDictEntry();
        read.push_back(key + " " + type + "(" + contents + ") " + valueText(value, contents));
    }
    message.clearFlags();
    message.exitContainer();
    return read;
}

std::vector<std::string> writtenByMap(const TaskRequest& request)
{
    const auto wire = encodeRequest(request);
    auto message = sdbus::createPlainMessage();
    message << wire.kind << wire.identifier << wire.options;
    return readSubmit(message);
}

std::vector<std::string> writtenDirectly(const TaskRequest& request)
{
    auto message = sdbus::createPlainMessage();
    bgtask::detail::writeSubmit(message, request);
    return readSubmit(message);
}

} // namespace

TEST_CASE("writeSubmit writes what the options map serialises: the same entries in the same order")
{
    ProcessingTaskRequest processing;
    processing.identifier = "org.example.Sync.db";
    processing.earliestBeginDate = kSomeTime;
    processing.requiresNetworkConnectivity = true;
    processing.requiresExternalPower = true;
    processing.networkType = NetworkType::Unmetered;
    processing.requiresBatteryNotLow = true;

    HealthResearchTaskRequest health;
    static_cast<ProcessingTaskRequest&>(health) = processing;
    health.identifier = "org.example.Study.upload";
    health.protectionTypeOfRequiredData = ProtectionType::CompleteUnlessOpen;

    ContinuedProcessingTaskRequest continued;
    continued.identifier = "org.example.Export.42";
    continued.earliestBeginDate = kSomeTime;
    continued.title = "Exporting";
    continued.subtitle = "3 of 10";
    continued.strategy = SubmissionStrategy::Fail;
    continued.requiredResources = Resources::Gpu;

    ContinuedProcessingTaskRequest untitled;
    untitled.identifier = "org.example.Export.43";

    const std::vector<TaskRequest> requests{
        AppRefreshTaskRequest{"org.example.Feeds.refresh", std::nullopt},
        AppRefreshTaskRequest{"org.example.Feeds.refresh", kSomeTime},
        ProcessingTaskRequest{.identifier = "org.example.Sync.plain"},
        processing,
        health,
        HealthResearchTaskRequest{},
        continued,
        untitled,
    };
    for (const auto& request : requests) {
        const auto expected = writtenByMap(request);
        INFO(expected.at(0) << " " << expected.at(1) << " with " << expected.size() - 2 << " options");
        CHECK(writtenDirectly(request) == expected);
    }
    // Every option key of the four kinds was written at least once above.
    CHECK(writtenDirectly(processing).size() == 2 + 5);
    CHECK(writtenDirectly(health).size() == 2 + 6);
    CHECK(writtenDirectly(continued).size() == 2 + 5);
}
