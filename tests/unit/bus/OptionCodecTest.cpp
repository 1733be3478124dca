// SPDX-License-Identifier: LGPL-2.1-or-later
// readOptions() reads Submit's a{sv} straight from the call; decodeOptions() decodes the Dict
// that sdbus-c++ makes of the same bytes. Both must accept and refuse exactly alike, with the
// same errors, whatever the order of the keys and however often one is repeated.
#include "bus/OptionCodec.h"

#include <bgtask-api/OptionKeys.h>

#include <catch2/catch.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace sdbus {
// Exported by libsdbus-c++ (its Variants are made with it), but not declared in its 1.2 headers:
// a message without a bus, as Variant uses.
PlainMessage createPlainMessage();
} // namespace sdbus

using namespace bgtask;
using bgtask::bus::Dict;
namespace key = api::key;

namespace {

// An a{sv} written entry by entry, in the order given, duplicates and all.
class Options {
public:
    // A copy with one more entry, so that GENERATE can take the chains as values.
    template <typename T>
    Options add(const std::string& name, const T& value) const
    {
        Options more = *this;
        more.entries_.push_back([name, value](sdbus::Message& m) {
            m.openDictEntry("sv");
            m << name;
            m.openVariant(sdbus::signature_of<T>::str());
            m << value;
            m.closeVariant();
            m.closeDictEntry();
        });
        return more;
    }

    sdbus::PlainMessage message() const
    {
        auto m = sdbus::createPlainMessage();
        m.openContainer("{sv}");
        for (const auto& entry : entries_)
            entry(m);
        m.closeContainer();
        m << std::string("after");   // what follows the options must still be readable
        m.seal();
        m.rewind(true);
        return m;
    }

private:
    std::vector<std::function<void(sdbus::Message&)>> entries_;
};

// What decoding gave: the options, or the error's code, sub-reason and text.
struct Outcome {
    core::RequestOptions options;
    std::string error;
    bool operator==(const Outcome&) const = default;
};

template <typename Decode>
Outcome outcomeOf(Decode&& decode)
{
    try {
        return {decode(), ""};
    } catch (const core::Error& e) {
        return {{}, std::to_string(static_cast<int>(e.code())) + " " + e.subReason() + " " + e.what()};
    }
}

Outcome viaDict(const Options& options)
{
    auto m = options.message();
    Dict dict;
    m >> dict;
    return outcomeOf([&] { return bus::decodeOptions(dict); });
}

Outcome readStraight(const Options& options)
{
    auto m = options.message();
    auto outcome = outcomeOf([&] { return bus::readOptions(m); });
    std::string after;
    m >> after;
    CHECK(after == "after");
    return outcome;
}

} // namespace

TEST_CASE("readOptions reads every option as decodeOptions decodes it from a Dict")
{
    const auto options = Options()
                             .add(key::kTitle, std::string("Title"))
                             .add(key::kEarliestBeginDate, std::int64_t{1'700'000'000'000'000})
                             .add(key::kRequiresNetworkConnectivity, true)
                             .add(key::kRequiresExternalPower, false)
                             .add(key::kRequiresBatteryNotLow, true)
                             .add(key::kProtectionTypeOfRequiredData, std::string("complete"))
                             .add(key::kSubtitle, std::string("Subtitle"))
                             .add(key::kStrategy, std::string("fail"))
                             .add(key::kRequiredResources, std::vector<std::string>{"gpu"})
                             .add(key::kNetworkType, std::string("unmetered"))
                             .add(key::kRepeatInterval, std::int64_t{3'600'000'000})
                             .add(key::kFlex, std::int64_t{60'000'000})
                             .add(key::kRandomizedDelay, std::int64_t{1'000'000})
                             .add(key::kBackoffDelay, std::int64_t{30'000'000})
                             .add(key::kMaxBackoffDelay, std::int64_t{600'000'000});
    const auto straight = readStraight(options);
    CHECK(straight.error.empty());
    CHECK(straight.options.title == std::string("Title"));
    CHECK(straight.options.requiredResources == std::vector<std::string>{"gpu"});
    CHECK(straight == viaDict(options));
    CHECK(readStraight(Options()) == viaDict(Options()));
}

TEST_CASE("readOptions refuses what decodeOptions refuses, with the same error")
{
    const auto options = GENERATE(
        Options().add("NoSuchOption", true),
        Options().add(key::kTitle, std::int64_t{1}),
        Options().add(key::kEarliestBeginDate, std::uint32_t{1}),
        Options().add(key::kEarliestBeginDate, std::int64_t{-1}),
        Options().add(key::kRequiresExternalPower, std::string("yes")),
        Options().add(key::kStrategy, std::string("sometimes")),
        Options().add(key::kNetworkType, std::string("")),
        Options().add(key::kProtectionTypeOfRequiredData, std::string("some")),
        Options().add(key::kRequiredResources, std::vector<std::int32_t>{1}),
        Options().add(key::kRequiredResources, sdbus::Variant(std::vector<std::string>{"gpu"})),
        Options().add(key::kTitle, Dict{{"Nested", sdbus::Variant(true)}}),
        Options().add(key::kFlex, sdbus::Struct<std::int64_t, bool>(1, true)));
    const auto straight = readStraight(options);
    CHECK_FALSE(straight.error.empty());
    CHECK(straight == viaDict(options));
}

TEST_CASE("readOptions judges keys in key order and keeps the first of duplicate keys, as a Dict does")
{
    const auto options = GENERATE(
        // Two faults: the smaller key's is reported, whichever comes first on the wire.
        Options().add("Zzz", true).add(key::kTitle, std::int64_t{1}),
        Options().add(key::kTitle, std::int64_t{1}).add("Aaa", true),
        // A later duplicate is ignored, valid or not.
        Options().add(key::kTitle, std::string("first")).add(key::kTitle, std::int64_t{2}),
        Options().add(key::kTitle, std::string("first")).add(key::kTitle, std::string("second")),
        Options().add(key::kTitle, std::int64_t{1}).add(key::kTitle, std::string("second")));
    CHECK(readStraight(options) == viaDict(options));
}
