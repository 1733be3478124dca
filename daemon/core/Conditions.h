// SPDX-License-Identifier: LGPL-2.1-or-later
// The gating rules: which system conditions a request waits for before it may launch, and
// which lost condition expires a running task, as pure functions of (request or run, system
// state, policy). Each answer is a named condition with a sentence that bgtaskctl explain shows.
//
// The rules, in the fixed order unmetConditions() reports them. Scheduled kinds (app-refresh,
// processing, health-research) go through all of them; continued processing, started at once
// by user action, only through gpu.
//
// | condition         | applies to                          | unmet when                 | unknown     |
// |-------------------|-------------------------------------|----------------------------|-------------|
// | network           | RequiresNetworkConnectivity=true,   | connectivity is not full   | unmet       |
// |                   | NetworkType connected or unmetered  |                            |             |
// | network-unmetered | NetworkType unmetered               | the connection is metered  | unmet       |
// | external-power    | RequiresExternalPower=true          | on battery                 | unmet       |
// | battery-not-low   | RequiresBatteryNotLow=true          | < low % and not charging   | met (mains) |
// |                   |                                     | or full                    |             |
// | low-battery       | every scheduled kind                | < low % and discharging    | met         |
// | user-idle         | processing, health-research, if     | the user is active         | policy:     |
// |                   | policy.processingRequiresIdle       |                            | idle        |
// | low-power-mode    | app-refresh                         | Low Power Mode on          | off         |
// |                   | processing, health-research         | Low Power Mode on and not  | off; power  |
// |                   |                                     | on external power          | unknown:    |
// |                   |                                     |                            | unmet       |
// | data-protection   | health-research, class complete     | the session is locked      | unmet       |
// |                   | complete-unless-open, complete-     | no login since boot        | policy:     |
// |                   | until-first-user-auth. (default)    |                            | logged in   |
// |                   | none                                | never                      |             |
// | gpu               | RequiredResources has "gpu" (every  | no render node             | unmet       |
// |                   | kind, continued processing too)     |                            |             |
//
// Lost during a run (lostCondition(); Running, not simulated, scheduled kinds, known values
// only), the first that applies: external-power-lost, network-lost, session-locked, user-active.
#pragma once

#include "Run.h"
#include "SystemState.h"
#include "TaskRequest.h"

#include <optional>
#include <string>
#include <vector>

namespace bgtask::core {

// Stable condition ids: bgtaskctl and scripts match on them, so they never change spelling.
inline constexpr const char* kConditionNetwork = "network";
inline constexpr const char* kConditionNetworkUnmetered = "network-unmetered";
inline constexpr const char* kConditionExternalPower = "external-power";
inline constexpr const char* kConditionBatteryNotLow = "battery-not-low";
inline constexpr const char* kConditionLowBattery = "low-battery";
inline constexpr const char* kConditionUserIdle = "user-idle";
inline constexpr const char* kConditionLowPowerMode = "low-power-mode";
inline constexpr const char* kConditionDataProtection = "data-protection";
inline constexpr const char* kConditionGpu = "gpu";

// Expiration reasons for a condition lost while a task runs (Apple's expirationHandler causes).
inline constexpr const char* kLostExternalPower = "external-power-lost";
inline constexpr const char* kLostNetwork = "network-lost";
inline constexpr const char* kLostSessionLocked = "session-locked";
inline constexpr const char* kLostUserActive = "user-active";

struct Unmet {
    std::string condition;   // a stable id, e.g. "external-power"
    std::string reason;      // "<condition>: <explanation with the observed value>"

    bool operator==(const Unmet&) const = default;
};

// The daemon's knobs over the rules; the defaults are Apple's behaviour on a per-user daemon.
struct GatingPolicy {
    bool processingRequiresIdle = true;   // processing and health research wait for an idle user
    bool idleWhenUnknown = true;          // no idle backend: treat the user as idle
    bool loggedInWhenUnknown = true;      // a per-user daemon runs because the user logged in
    int lowBatteryPercent = 20;           // below this the battery is low (Apple: ~20 %)

    bool operator==(const GatingPolicy&) const = default;
};

// Every condition the request waits for in this state, in the order of the table above;
// empty when the state permits the request. Dates and other runs are the planner's business.
std::vector<Unmet> unmetConditions(const TaskRequest& request, const SystemState& state,
                                   const GatingPolicy& policy);

// The expiration reason of the first condition a running task has lost, or nullopt. Only
// tasks in state Running are considered (never Launching or Expiring, never simulated runs),
// and only known values expire a task: a backend vanishing mid-run leaves it alone.
std::optional<std::string> lostCondition(const RunningTask& run, const SystemState& state,
                                         const GatingPolicy& policy);

// Whether the request waits for the network: RequiresNetworkConnectivity, or a NetworkType
// stronger than "any".
bool needsNetwork(const RequestOptions& options);

// A state in which every condition is met and none is lost: a mains-powered machine without
// a battery, fully and unmeteredly online, with a GPU, unlocked, idle, logged in, no Low
// Power Mode. What the planner assumes when its caller passes no state.
SystemState favourableSystemState();

} // namespace bgtask::core
