// SPDX-License-Identifier: LGPL-2.1-or-later
// libFuzzer target: the Submit path from a{sv} to a checked request. The bytes drive a small
// generator of D-Bus values (basic types, arrays, dicts, structs and variants in variants) under
// known and unknown keys; the dictionary goes through bus::decodeOptions, then the checks Submit
// makes (core::validateRequest against a manifest that permits everything) and the schedule
// arithmetic that a valid request reaches. Every refusal must be a typed core::Error; a valid
// request must survive encodeOptions → decodeOptions unchanged. The same entries, duplicate keys
// and all, are also written into a message as Submit's a{sv} for bus::readOptions, the decoder
// Submit uses: it must accept and refuse exactly as decodeOptions does on the Dict (the first
// of duplicate keys counts), with the same errors.
#include "bus/OptionCodec.h"
#include "core/Error.h"
#include "core/Schedule.h"
#include "core/Validation.h"

#include <bgtask-api/OptionKeys.h>

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sdbus {
// Exported by libsdbus-c++ (its Variants are made with it), but not declared in its 1.2 headers:
// a message without a bus.
PlainMessage createPlainMessage();
} // namespace sdbus

namespace {

namespace key = bgtask::api::key;
using bgtask::bus::Dict;

constexpr const char* kKeys[] = {
    key::kEarliestBeginDate, key::kRequiresNetworkConnectivity, key::kRequiresExternalPower,
    key::kProtectionTypeOfRequiredData, key::kTitle, key::kSubtitle, key::kStrategy, key::kRequiredResources,
    key::kNetworkType, key::kRequiresBatteryNotLow, key::kRepeatInterval, key::kFlex, key::kRandomizedDelay,
    key::kBackoffDelay, key::kMaxBackoffDelay};

constexpr const char* kWords[] = {"gpu", "none", "complete", "complete-unless-open",
                                  "complete-until-first-user-authentication", "queue", "fail", "any",
                                  "connected", "unmetered", ""};

void require(bool condition)
{
    if (!condition)
        std::abort();
}

// D-Bus strings are valid UTF-8 without NUL (the bus refuses anything else, and so does
// sdbus-c++ when it builds a Variant): bytes outside ASCII become multibyte characters.
std::string text(FuzzedDataProvider& in)
{
    if (in.ConsumeBool())
        return kWords[in.ConsumeIntegralInRange<std::size_t>(0, std::size(kWords) - 1)];
    constexpr const char* kWide[] = {"\u00e9", "\u20ac", "\U0001F600", "\u00ff"};
    std::string out;
    for (const unsigned char c : in.ConsumeRandomLengthString(512)) {
        if (c != 0 && c < 0x80)
            out += static_cast<char>(c);
        else
            out += kWide[c % std::size(kWide)];
    }
    return out;
}

std::int64_t number(FuzzedDataProvider& in)
{
    // Durations in µs near the bounds the rules name, or anything.
    constexpr std::int64_t kInteresting[] = {0, -1, 1, 10'000'000, 60'000'000, 3'600'000'000,
                                             31'622'400'000'000, 31'622'400'000'001, INT64_MAX, INT64_MIN};
    if (in.ConsumeBool())
        return kInteresting[in.ConsumeIntegralInRange<std::size_t>(0, std::size(kInteresting) - 1)];
    return in.ConsumeIntegral<std::int64_t>();
}

sdbus::Variant value(FuzzedDataProvider& in, int depth)
{
    switch (in.ConsumeIntegralInRange(0, depth > 2 ? 11 : 15)) {
    case 0: return sdbus::Variant(in.ConsumeBool());
    case 1: return sdbus::Variant(in.ConsumeIntegral<std::uint8_t>());
    case 2: return sdbus::Variant(in.ConsumeIntegral<std::int16_t>());
    case 3: return sdbus::Variant(in.ConsumeIntegral<std::uint16_t>());
    case 4: return sdbus::Variant(in.ConsumeIntegral<std::int32_t>());
    case 5: return sdbus::Variant(in.ConsumeIntegral<std::uint32_t>());
    case 6: return sdbus::Variant(number(in));
    case 7: return sdbus::Variant(in.ConsumeIntegral<std::uint64_t>());
    case 8: return sdbus::Variant(in.ConsumeFloatingPoint<double>());
    case 9: return sdbus::Variant(text(in));
    case 10: return sdbus::Variant(sdbus::ObjectPath("/org/bgtaskd/task/" + std::to_string(in.ConsumeIntegral<std::uint16_t>())));
    case 11: {
        std::vector<std::string> items(in.ConsumeIntegralInRange(0, 6));
        for (auto& item : items)
            item = text(in);
        return sdbus::Variant(items);
    }
    case 12: return sdbus::Variant(value(in, depth + 1));
    case 13: {
        std::map<std::string, sdbus::Variant> nested;
        for (int n = in.ConsumeIntegralInRange(0, 3); n > 0; --n)
            nested.emplace(text(in), value(in, depth + 1));
        return sdbus::Variant(nested);
    }
    case 14: return sdbus::Variant(sdbus::Struct<std::string, std::int64_t>(text(in), number(in)));
    default: {
        std::vector<std::int64_t> numbers(in.ConsumeIntegralInRange(0, 4));
        for (auto& n : numbers)
            n = number(in);
        return sdbus::Variant(numbers);
    }
    }
}

bgtask::core::Manifest permissiveManifest()
{
    using namespace bgtask::core;
    Manifest m;
    m.id = "org.example.Fuzz";
    m.busName = m.id;
    m.identifiers = {"org.example.Fuzz.task"};
    m.wildcardPrefixes = {"org.example.Fuzz.task."};
    m.kinds = {TaskKind::AppRefresh, TaskKind::Processing, TaskKind::HealthResearch, TaskKind::ContinuedProcessing};
    m.entitlements = {Entitlement::Gpu, Entitlement::HealthResearch};
    return m;
}

// The arithmetic a valid schedule reaches: the next run after some failures, from an extreme
// floor as well as an ordinary one.
void exerciseSchedule(const bgtask::core::RequestOptions& options, FuzzedDataProvider& in)
{
    using namespace bgtask::core;
    const auto schedule = scheduleOf(options);
    if (!schedule)
        return;
    ScheduleState state;
    state.failures = in.ConsumeIntegral<std::uint32_t>();
    const auto seed = in.ConsumeIntegral<std::uint64_t>();
    const auto floor = options.earliestBeginDate.value_or(TimePoint{} + std::chrono::hours(24 * 365 * 56));
    if (in.ConsumeBool()) {
        state.periodStart = floor;
        state.lastEnd = floor;
    }
    const auto next = nextRunNotBefore(*schedule, state, floor, seed);
    require(next >= floor || !state.periodStart);
    require(backoffDelay(*schedule, state.failures, seed).count() >= 0);
}

// What a decoder made of the options: the options, or the error's code and sub-reason.
struct Outcome {
    std::optional<bgtask::core::RequestOptions> options;
    bgtask::core::ErrorCode code{};
    std::string subReason;
};

template <typename Decode>
Outcome outcomeOf(Decode&& decode)
{
    try {
        return Outcome{decode(), {}, {}};
    } catch (const bgtask::core::Error& e) {
        return Outcome{std::nullopt, e.code(), e.subReason()};
    }
}

// Submit's a{sv} as a caller on the bus sends it, entry by entry, followed by another argument.
sdbus::PlainMessage submitOptions(const std::vector<std::pair<std::string, sdbus::Variant>>& entries)
{
    auto message = sdbus::createPlainMessage();
    message.openContainer("{sv}");
    for (const auto& [name, variant] : entries) {
        message.openDictEntry("sv");
        message << name << variant;
        message.closeDictEntry();
    }
    message.closeContainer();
    message << std::string("after");
    message.seal();
    message.rewind(true);
    return message;
}

void requireSameDecoding(const std::vector<std::pair<std::string, sdbus::Variant>>& entries, const Dict& options)
{
    auto message = submitOptions(entries);
    const auto read = outcomeOf([&] { return bgtask::bus::readOptions(message); });
    const auto decoded = outcomeOf([&] { return bgtask::bus::decodeOptions(options); });
    require(read.options == decoded.options);
    require(read.code == decoded.code && read.subReason == decoded.subReason);
    if (read.options) {   // the argument after the options is where it should be
        std::string after;
        message >> after;
        require(after == "after");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace bgtask;
    FuzzedDataProvider in(data, size);
    std::vector<std::pair<std::string, sdbus::Variant>> entries;
    for (int n = in.ConsumeIntegralInRange(0, 8); n > 0; --n) {
        auto name = in.ConsumeBool() ? std::string(kKeys[in.ConsumeIntegralInRange<std::size_t>(0, std::size(kKeys) - 1)])
                                     : text(in);
        entries.emplace_back(std::move(name), value(in, 0));
    }
    Dict options;
    for (const auto& [name, variant] : entries)
        options.emplace(name, variant);   // the first of duplicate keys, as sdbus-c++ reads a{sv}
    requireSameDecoding(entries, options);
    core::TaskRequest request;
    request.app = "org.example.Fuzz";
    request.kind = static_cast<core::TaskKind>(in.ConsumeIntegralInRange(0, 3));
    request.identifier = in.ConsumeBool() ? "org.example.Fuzz.task" : text(in);
    try {
        request.options = bus::decodeOptions(options);
        core::validateRequest(permissiveManifest(), request);
    } catch (const core::Error& e) {
        require(!e.subReason().empty());
        return 0;
    }
    require(bus::decodeOptions(bus::encodeOptions(request.options)) == request.options);
    exerciseSchedule(request.options, in);
    return 0;
}
