// SPDX-License-Identifier: LGPL-2.1-or-later
// The options of a task request, as submitted. An unset optional means the app did not set the
// option; effective defaults are applied where the option is used, so that pending requests
// can be handed back exactly as they were submitted.
#pragma once

#include "Time.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bgtask::core {

enum class NetworkType { Any, Connected, Unmetered };
enum class Protection { None, Complete, CompleteUnlessOpen, CompleteUntilFirstUserAuthentication };
enum class Strategy { Queue, Fail };

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
    std::optional<TimePoint> earliestBeginDate;
    std::optional<bool> requiresNetworkConnectivity;
    std::optional<bool> requiresExternalPower;
    std::optional<Protection> protectionTypeOfRequiredData;
    std::optional<std::string> title;
    std::optional<std::string> subtitle;
    std::optional<Strategy> strategy;
    std::optional<std::vector<std::string>> requiredResources;
    std::optional<NetworkType> networkType;
    std::optional<bool> requiresBatteryNotLow;
    // Periodic work and retries (Schedule.h has the rules): a request with a repeat interval is
    // submitted again after each run; one with only a backoff delay is retried until a run
    // succeeds. Scheduled kinds only.
    std::optional<Duration> repeatInterval;
    std::optional<Duration> flex;
    std::optional<Duration> randomizedDelay;
    std::optional<Duration> backoffDelay;
    std::optional<Duration> maxBackoffDelay;

    bool operator==(const RequestOptions&) const = default;
};

} // namespace bgtask::core
