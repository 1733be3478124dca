// SPDX-License-Identifier: LGPL-2.1-or-later
// The options of a task request, as submitted. An unset optional means the app did not set the
// option; effective defaults are applied where the option is used, so that pending requests
// can be handed back exactly as they were submitted.
#pragma once

#include "Compact.h"
#include "Time.h"

#include <cstdint>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bgtask::core {

enum class NetworkType : std::uint8_t { Any, Connected, Unmetered };
enum class Protection : std::uint8_t { None, Complete, CompleteUnlessOpen, CompleteUntilFirstUserAuthentication };
enum class Strategy : std::uint8_t { Queue, Fail };

std::string_view toString(NetworkType v);   // "any" | "connected" | "unmetered"
std::string_view toString(Protection v);    // "none" | "complete" | "complete-unless-open" |
                                            // "complete-until-first-user-authentication"
std::string_view toString(Strategy v);      // "queue" | "fail"
// Parsers throw core::Error(InvalidArgument, "out-of-range") naming the option and the allowed values.
NetworkType parseNetworkType(std::string_view s);
Protection parseProtection(std::string_view s);
Strategy parseStrategy(std::string_view s);

inline constexpr const char* kResourceGpu = "gpu";
inline constexpr std::size_t kMaxTitleLength = 256;

struct RequestOptions {
    // bgtaskd keeps one of these per pending request: times and durations take 8 bytes, what
    // few requests set lives on the heap (Compact.h), the flags and enums sit together.
    SlimOptional<TimePoint> earliestBeginDate;
    std::optional<bool> requiresNetworkConnectivity;
    std::optional<bool> requiresExternalPower;
    std::optional<bool> requiresBatteryNotLow;
    std::optional<Protection> protectionTypeOfRequiredData;
    std::optional<Strategy> strategy;
    std::optional<NetworkType> networkType;
    HeapOptional<std::string> title;
    HeapOptional<std::string> subtitle;
    HeapOptional<std::vector<std::string>> requiredResources;
    // Periodic work and retries (Schedule.h has the rules): a request with a repeat interval is
    // submitted again after each run; one with only a backoff delay is retried until a run
    // succeeds. Scheduled kinds only.
    SlimOptional<Duration> repeatInterval;
    SlimOptional<Duration> flex;
    SlimOptional<Duration> randomizedDelay;
    SlimOptional<Duration> backoffDelay;
    SlimOptional<Duration> maxBackoffDelay;

    bool operator==(const RequestOptions&) const = default;
};

} // namespace bgtask::core
