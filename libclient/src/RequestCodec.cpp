// SPDX-License-Identifier: LGPL-2.1-or-later
#include "RequestCodec.h"

#include "Time.h"
#include "WireNames.h"

#include <bgtask-api/OptionKeys.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bgtask::detail {
namespace key = api::key;
namespace {

void encodeEarliestBeginDate(const std::optional<TimePoint>& date, VariantMap& options)
{
    if (date)
        options[key::kEarliestBeginDate] = sdbus::Variant(toMicros(*date));
}

void encodeProcessing(const ProcessingTaskRequest& r, VariantMap& options)
{
    encodeEarliestBeginDate(r.earliestBeginDate, options);
    if (r.requiresNetworkConnectivity)
        options[key::kRequiresNetworkConnectivity] = sdbus::Variant(true);
    if (r.requiresExternalPower)
        options[key::kRequiresExternalPower] = sdbus::Variant(true);
    if (r.networkType)
        options[key::kNetworkType] = sdbus::Variant(std::string(toString(*r.networkType)));
    if (r.requiresBatteryNotLow)
        options[key::kRequiresBatteryNotLow] = sdbus::Variant(true);
}

VariantMap encodeOptions(const AppRefreshTaskRequest& r)
{
    VariantMap options;
    encodeEarliestBeginDate(r.earliestBeginDate, options);
    return options;
}

VariantMap encodeOptions(const ProcessingTaskRequest& r)
{
    VariantMap options;
    encodeProcessing(r, options);
    return options;
}

VariantMap encodeOptions(const HealthResearchTaskRequest& r)
{
    VariantMap options;
    encodeProcessing(r, options);
    if (r.protectionTypeOfRequiredData)
        options[key::kProtectionTypeOfRequiredData] =
            sdbus::Variant(std::string(toString(*r.protectionTypeOfRequiredData)));
    return options;
}

VariantMap encodeOptions(const ContinuedProcessingTaskRequest& r)
{
    VariantMap options;
    encodeEarliestBeginDate(r.earliestBeginDate, options);
    // Title is required by the scheduler; send it even when empty so that the daemon, not the
    // library, says "missing-title".
    options[key::kTitle] = sdbus::Variant(r.title);
    if (!r.subtitle.empty())
        options[key::kSubtitle] = sdbus::Variant(r.subtitle);
    if (r.strategy != SubmissionStrategy::Queue)
        options[key::kStrategy] = sdbus::Variant(std::string(toString(r.strategy)));
    if (r.requiredResources != Resources::Default) {
        std::vector<std::string> resources;
        if (contains(r.requiredResources, Resources::Gpu))
            resources.emplace_back("gpu");
        options[key::kRequiredResources] = sdbus::Variant(resources);
    }
    return options;
}

std::optional<TimePoint> decodeEarliestBeginDate(const VariantMap& options)
{
    if (auto micros = lookup<std::int64_t>(options, key::kEarliestBeginDate))
        return optionalFromMicros(*micros);
    return std::nullopt;
}

void decodeProcessing(const VariantMap& options, ProcessingTaskRequest& r)
{
    r.earliestBeginDate = decodeEarliestBeginDate(options);
    r.requiresNetworkConnectivity = lookupOr(options, key::kRequiresNetworkConnectivity, false);
    r.requiresExternalPower = lookupOr(options, key::kRequiresExternalPower, false);
    if (auto type = lookup<std::string>(options, key::kNetworkType))
        r.networkType = networkTypeFromString(*type);
    r.requiresBatteryNotLow = lookupOr(options, key::kRequiresBatteryNotLow, false);
}

ContinuedProcessingTaskRequest decodeContinued(std::string identifier, const VariantMap& options)
{
    ContinuedProcessingTaskRequest r;
    r.identifier = std::move(identifier);
    r.earliestBeginDate = decodeEarliestBeginDate(options);
    r.title = lookupOr<std::string>(options, key::kTitle, {});
    r.subtitle = lookupOr<std::string>(options, key::kSubtitle, {});
    if (auto strategy = lookup<std::string>(options, key::kStrategy))
        r.strategy = strategyFromString(*strategy).value_or(SubmissionStrategy::Queue);
    if (auto resources = lookup<std::vector<std::string>>(options, key::kRequiredResources))
        for (const auto& resource : *resources)
            if (resource == "gpu")
                r.requiredResources = r.requiredResources | Resources::Gpu;
    return r;
}

// Writes an a{sv} straight into a message. The callers add keys in std::map's order (byte-wise),
// so the bytes are those of the map serialised (RequestCodecTest compares them).
class OptionWriter {
public:
    explicit OptionWriter(sdbus::Message& message) : message_(message) { message_.openContainer(kEntry); }
    OptionWriter(const OptionWriter&) = delete;
    OptionWriter& operator=(const OptionWriter&) = delete;

    void add(const char* key, std::int64_t value) { entry(key, kInt64, value); }
    void add(const char* key, bool value) { entry(key, kBool, value); }
    void add(const char* key, std::string_view value) { entry(key, kString, std::string(value)); }
    void add(const char* key, const std::string& value) { entry(key, kString, value); }
    void add(const char* key, const std::vector<std::string>& value) { entry(key, kStrings, value); }
    void close() { message_.closeContainer(); }

private:
    // sdbus-c++ takes signatures as std::string; these fit its short-string buffer, so making
    // them costs no allocation.
    static constexpr const char* kEntry = "{sv}";
    static constexpr const char* kEntryBody = "sv";
    static constexpr const char* kInt64 = "x";
    static constexpr const char* kBool = "b";
    static constexpr const char* kString = "s";
    static constexpr const char* kStrings = "as";

    template <typename T>
    void entry(const char* key, const char* signature, const T& value)
    {
        message_.openDictEntry(kEntryBody);
        message_ << key;
        message_.openVariant(signature);
        message_ << value;
        message_.closeVariant();
        message_.closeDictEntry();
    }

    sdbus::Message& message_;
};

// Each writes the options of its kind in key order: EarliestBeginDate, NetworkType,
// ProtectionTypeOfRequiredData, RequiredResources, RequiresBatteryNotLow, RequiresExternalPower,
// RequiresNetworkConnectivity, Strategy, Subtitle, Title.
void writeEarliestBeginDate(OptionWriter& out, const std::optional<TimePoint>& date)
{
    if (date)
        out.add(key::kEarliestBeginDate, toMicros(*date));
}

void writeConditions(OptionWriter& out, const ProcessingTaskRequest& r,
                     const std::optional<ProtectionType>& protection = std::nullopt)
{
    writeEarliestBeginDate(out, r.earliestBeginDate);
    if (r.networkType)
        out.add(key::kNetworkType, toString(*r.networkType));
    if (protection)
        out.add(key::kProtectionTypeOfRequiredData, toString(*protection));
    if (r.requiresBatteryNotLow)
        out.add(key::kRequiresBatteryNotLow, true);
    if (r.requiresExternalPower)
        out.add(key::kRequiresExternalPower, true);
    if (r.requiresNetworkConnectivity)
        out.add(key::kRequiresNetworkConnectivity, true);
}

void writeOptions(sdbus::Message& message, const AppRefreshTaskRequest& r)
{
    OptionWriter out(message);
    writeEarliestBeginDate(out, r.earliestBeginDate);
    out.close();
}

void writeOptions(sdbus::Message& message, const ProcessingTaskRequest& r)
{
    OptionWriter out(message);
    writeConditions(out, r);
    out.close();
}

void writeOptions(sdbus::Message& message, const HealthResearchTaskRequest& r)
{
    OptionWriter out(message);
    writeConditions(out, r, r.protectionTypeOfRequiredData);
    out.close();
}

void writeOptions(sdbus::Message& message, const ContinuedProcessingTaskRequest& r)
{
    OptionWriter out(message);
    writeEarliestBeginDate(out, r.earliestBeginDate);
    if (r.requiredResources != Resources::Default) {
        std::vector<std::string> resources;
        if (contains(r.requiredResources, Resources::Gpu))
            resources.emplace_back("gpu");
        out.add(key::kRequiredResources, resources);
    }
    if (r.strategy != SubmissionStrategy::Queue)
        out.add(key::kStrategy, toString(r.strategy));
    if (!r.subtitle.empty())
        out.add(key::kSubtitle, r.subtitle);
    // Always, as encodeOptions(): the daemon, not the library, says "missing-title".
    out.add(key::kTitle, r.title);
    out.close();
}

} // namespace

WireRequest encodeRequest(const TaskRequest& request)
{
    return WireRequest{
        std::string(toString(kindOf(request))),
        identifierOf(request),
        std::visit([](const auto& r) { return encodeOptions(r); }, request),
    };
}

void writeSubmit(sdbus::Message& message, const TaskRequest& request)
{
    message << std::string(toString(kindOf(request))) << identifierOf(request);
    std::visit([&](const auto& r) { writeOptions(message, r); }, request);
}

std::optional<TaskRequest> decodeRequest(std::string_view kind, std::string identifier, const VariantMap& options)
{
    const auto taskKind = taskKindFromString(kind);
    if (!taskKind)
        return std::nullopt;
    switch (*taskKind) {
    case TaskKind::AppRefresh:
        return AppRefreshTaskRequest{std::move(identifier), decodeEarliestBeginDate(options)};
    case TaskKind::Processing: {
        ProcessingTaskRequest r;
        r.identifier = std::move(identifier);
        decodeProcessing(options, r);
        return r;
    }
    case TaskKind::HealthResearch: {
        HealthResearchTaskRequest r;
        r.identifier = std::move(identifier);
        decodeProcessing(options, r);
        if (auto type = lookup<std::string>(options, key::kProtectionTypeOfRequiredData))
            r.protectionTypeOfRequiredData = protectionTypeFromString(*type);
        return r;
    }
    case TaskKind::ContinuedProcessing:
        return decodeContinued(std::move(identifier), options);
    }
    return std::nullopt;
}

VariantMap encodeRetry(const Backoff& backoff)
{
    return {{key::kBackoffDelay, sdbus::Variant(static_cast<std::int64_t>(backoff.initialDelay.count()))},
            {key::kMaxBackoffDelay, sdbus::Variant(static_cast<std::int64_t>(backoff.maxDelay.count()))}};
}

VariantMap encodePeriodic(std::chrono::microseconds interval, std::chrono::microseconds flex, const Backoff& backoff)
{
    auto options = encodeRetry(backoff);
    options[key::kRepeatInterval] = sdbus::Variant(static_cast<std::int64_t>(interval.count()));
    if (flex.count() != 0)
        options[key::kFlex] = sdbus::Variant(static_cast<std::int64_t>(flex.count()));
    return options;
}

} // namespace bgtask::detail
