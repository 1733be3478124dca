// SPDX-License-Identifier: LGPL-2.1-or-later
// Task requests, after Apple's BGTaskRequest family: plain value types that an app fills in and
// hands to Scheduler::submit(), and that Scheduler::pendingTaskRequests() hands back as copies.
// TaskRequest is a std::variant of the four request types; use std::visit or the helpers below.
// Every member has a default, so `AppRefreshTaskRequest{"id"}` and designated initializers such as
// `ProcessingTaskRequest{.identifier = "id", .requiresExternalPower = true}` compile cleanly.
#pragma once

#include <bgtask/Export.h>
#include <bgtask/TaskKind.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace bgtask {

// Wall-clock time, as Apple's Date: earliest begin dates, deadlines, history times.
using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

// Which network a processing task needs (beyond Apple, after Android's NetworkType).
enum class NetworkType {
    Any,        // no requirement
    Connected,  // any working connection
    Unmetered,  // a connection that is not metered
};

// Which class of protected data must be accessible (BGHealthResearchTaskRequest).
enum class ProtectionType {
    None,
    Complete,                              // only while the session is unlocked
    CompleteUnlessOpen,
    CompleteUntilFirstUserAuthentication,  // after the user's first login since boot
};

// What a continued-processing submit does when the task cannot start at once. Apple's default is
// Queue (even though its raw value is 1); so is ours.
enum class SubmissionStrategy {
    Queue,  // wait in line and start as soon as possible
    Fail,   // submit() throws ImmediateRunIneligible instead of waiting
};

// Optional resources of a continued-processing task (an option set, like Apple's Resources).
enum class Resources : unsigned {
    Default = 0,
    Gpu = 1u << 0,
};

// Set operations on Resources: `Resources::Gpu | …`, `set & Resources::Gpu`, contains(set, r).
constexpr Resources operator|(Resources a, Resources b) noexcept
{
    return static_cast<Resources>(static_cast<unsigned>(a) | static_cast<unsigned>(b));
}
constexpr Resources operator&(Resources a, Resources b) noexcept
{
    return static_cast<Resources>(static_cast<unsigned>(a) & static_cast<unsigned>(b));
}
constexpr bool contains(Resources set, Resources resource) noexcept
{
    return (set & resource) == resource;
}

// BGAppRefreshTaskRequest: a short launch to refresh content.
struct AppRefreshTaskRequest {
    std::string identifier{};
    // A floor, never a schedule: the task does not start before it. Unset: no delay.
    std::optional<TimePoint> earliestBeginDate{};

    bool operator==(const AppRefreshTaskRequest&) const = default;
};

// BGProcessingTaskRequest: deferrable, longer work, run when conditions favour it.
struct ProcessingTaskRequest {
    std::string identifier{};
    std::optional<TimePoint> earliestBeginDate{};
    bool requiresNetworkConnectivity = false;
    bool requiresExternalPower = false;
    std::optional<NetworkType> networkType{};  // beyond Apple; unset: the scheduler's default
    bool requiresBatteryNotLow = false;      // beyond Apple

    bool operator==(const ProcessingTaskRequest&) const = default;
};

// BGHealthResearchTaskRequest: processing that needs protected user data to be accessible.
struct HealthResearchTaskRequest : ProcessingTaskRequest {
    // Unset: the scheduler's default, CompleteUntilFirstUserAuthentication.
    std::optional<ProtectionType> protectionTypeOfRequiredData{};

    bool operator==(const HealthResearchTaskRequest&) const = default;
};

// BGContinuedProcessingTaskRequest: work the user started that continues in the background.
struct ContinuedProcessingTaskRequest {
    std::string identifier{};  // usually a fresh "<prefix>.<unique suffix>"
    std::string title{};     // required
    std::string subtitle{};
    SubmissionStrategy strategy = SubmissionStrategy::Queue;
    Resources requiredResources = Resources::Default;
    // Accepted for symmetry and ignored by the scheduler: continued processing starts now.
    std::optional<TimePoint> earliestBeginDate{};

    bool operator==(const ContinuedProcessingTaskRequest&) const = default;
};

// Any request. submit() takes one; pendingTaskRequests() returns copies of them. The alternatives
// are in TaskKind order.
using TaskRequest = std::variant<AppRefreshTaskRequest, ProcessingTaskRequest, HealthResearchTaskRequest,
                                 ContinuedProcessingTaskRequest>;
// How the scheduler retries work whose run did not succeed (it failed, expired, was terminated or
// could not be launched), after WorkManager's exponential BackoffPolicy: retry n (the n-th
// unsuccessful run since the last success) is due between half and all of
// min(initialDelay * 2^(n-1), maxDelay) after that run ended: 15-30 s, 30-60 s, 1-2 min, … up
// to 2.5-5 h with the defaults. bgtaskd keeps the count, so it survives restarts of the app and of
// the scheduler; a successful run resets it. Used by Scheduler::schedulePeriodic() and
// Scheduler::submitWithRetry().
struct Backoff {
    std::chrono::microseconds initialDelay = std::chrono::seconds(30);  // 10 s to 366 days
    std::chrono::microseconds maxDelay = std::chrono::hours(5);         // initialDelay to 366 days

    bool operator==(const Backoff&) const = default;
};

// What pendingTaskRequests() returns: copies; changing one means submitting it again.
using PendingTaskRequest = TaskRequest;

// The kind, identifier and earliest begin date of any request, without std::visit.
BGTASK_EXPORT TaskKind kindOf(const TaskRequest& request) noexcept;
BGTASK_EXPORT const std::string& identifierOf(const TaskRequest& request) noexcept;
BGTASK_EXPORT std::optional<TimePoint> earliestBeginDateOf(const TaskRequest& request) noexcept;

// The bus spellings: "unmetered", "complete-until-first-user-authentication", "fail", …
BGTASK_EXPORT std::string_view toString(NetworkType type) noexcept;
BGTASK_EXPORT std::string_view toString(ProtectionType type) noexcept;
BGTASK_EXPORT std::string_view toString(SubmissionStrategy strategy) noexcept;

} // namespace bgtask
