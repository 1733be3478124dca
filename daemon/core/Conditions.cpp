// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Conditions.h"

#include <algorithm>
#include <string_view>

namespace bgtask::core {

namespace {

bool isProcessingLike(TaskKind kind)
{
    return kind == TaskKind::Processing || kind == TaskKind::HealthResearch;
}

bool needsUnmetered(const RequestOptions& options)
{
    return options.networkType == NetworkType::Unmetered;
}

// Health research defaults to Apple's completeUntilFirstUserAuthentication.
Protection protectionOf(const RequestOptions& options)
{
    return options.protectionTypeOfRequiredData.value_or(Protection::CompleteUntilFirstUserAuthentication);
}

bool needsGpu(const RequestOptions& options)
{
    return options.requiredResources && std::ranges::find(*options.requiredResources, kResourceGpu) !=
                                            options.requiredResources->end();
}

std::string_view describe(Connectivity c)
{
    switch (c) {
    case Connectivity::None: return "none (no connection)";
    case Connectivity::Portal: return "portal (a captive portal asks for a login)";
    case Connectivity::Limited: return "limited (no route to the internet)";
    case Connectivity::Full: return "full";
    }
    return "unknown";
}

// "42 %, discharging", "42 %", "discharging" or "" for whatever the battery backend knows.
std::string batteryText(const SystemState& state)
{
    std::string text;
    if (state.batteryPercent)
        text = std::to_string(*state.batteryPercent) + " %";
    if (state.batteryState) {
        if (!text.empty())
            text += ", ";
        text += toString(*state.batteryState);
    }
    return text;
}

bool batteryBelow(const SystemState& state, const GatingPolicy& policy)
{
    return state.batteryPercent && *state.batteryPercent < policy.lowBatteryPercent;
}

void add(std::vector<Unmet>& out, const char* condition, std::string_view explanation)
{
    out.push_back({condition, std::string(condition) + ": " + std::string(explanation)});
}

// network and network-unmetered are separate conditions, each reported when it fails, so a
// metered limited connection shows both things that must change. Unknown connectivity is
// unmet: without NetworkManager bgtaskd cannot promise the network the app asked for.
void checkNetwork(const RequestOptions& options, const SystemState& state, std::vector<Unmet>& out)
{
    if (!needsNetwork(options))
        return;
    if (!state.connectivity)
        add(out, kConditionNetwork, "connectivity unknown (NetworkManager not available)");
    else if (*state.connectivity != Connectivity::Full)
        add(out, kConditionNetwork, "connectivity is " + std::string(describe(*state.connectivity)));
    if (!needsUnmetered(options))
        return;
    if (!state.metered)
        add(out, kConditionNetworkUnmetered, "whether the connection is metered is unknown");
    else if (*state.metered)
        add(out, kConditionNetworkUnmetered, "the connection is metered");
}

// RequiresExternalPower is a hard constraint (Apple lifts the CPU monitor for such tasks), so
// an unknown power state does not satisfy it.
void checkExternalPower(const RequestOptions& options, const SystemState& state, std::vector<Unmet>& out)
{
    if (!options.requiresExternalPower.value_or(false) || state.onExternalPower == true)
        return;
    if (!state.onExternalPower) {
        add(out, kConditionExternalPower, "power state unknown");
        return;
    }
    const auto battery = batteryText(state);
    add(out, kConditionExternalPower, battery.empty() ? "on battery" : "on battery (" + battery + ")");
}

// RequiresBatteryNotLow: a low battery counts only while it is not being charged (charging or
// full). An unknown percentage is met: a machine without battery information is treated as
// mains powered, which is what a desktop without a battery reports. A known low percentage
// with an unknown charging state is unmet: the app asked for this explicitly.
void checkBatteryNotLow(const RequestOptions& options, const SystemState& state,
                        const GatingPolicy& policy, std::vector<Unmet>& out)
{
    if (!options.requiresBatteryNotLow.value_or(false) || !batteryBelow(state, policy))
        return;
    if (state.batteryState == BatteryState::Charging || state.batteryState == BatteryState::Full)
        return;
    const auto percent = std::to_string(*state.batteryPercent) + " %";
    if (!state.batteryState)
        add(out, kConditionBatteryNotLow, percent + ", charging state unknown");
    else
        add(out, kConditionBatteryNotLow, percent + " and " + std::string(toString(*state.batteryState)));
}

// Apple's "critically low battery" factor: opportunistic work waits while the battery is
// below the threshold and draining. Only a known discharging state counts; unknown is met.
void checkLowBattery(const SystemState& state, const GatingPolicy& policy, std::vector<Unmet>& out)
{
    if (batteryBelow(state, policy) && state.batteryState == BatteryState::Discharging)
        add(out, kConditionLowBattery, std::to_string(*state.batteryPercent) + " % and discharging");
}

// Processing tasks start only while the device is idle (refresh is exempt). Without an idle
// backend the policy decides; by default the user counts as idle, or nothing would ever run.
void checkUserIdle(TaskKind kind, const SystemState& state, const GatingPolicy& policy,
                   std::vector<Unmet>& out)
{
    if (!isProcessingLike(kind) || !policy.processingRequiresIdle)
        return;
    if (state.userIdle.value_or(policy.idleWhenUnknown))
        return;
    add(out, kConditionUserIdle, state.userIdle ? "the user is active" : "idle state unknown");
}

// Low Power Mode switches Background App Refresh off and defers processing unless on external
// power. An unknown Low Power Mode is off; with Low Power Mode on, an unknown power state is
// not external power.
void checkLowPowerMode(TaskKind kind, const SystemState& state, std::vector<Unmet>& out)
{
    if (state.lowPowerMode != true)
        return;
    if (kind == TaskKind::AppRefresh) {
        add(out, kConditionLowPowerMode, "Low Power Mode is on; app refresh is paused");
        return;
    }
    if (state.onExternalPower == true)
        return;
    add(out, kConditionLowPowerMode, state.onExternalPower.has_value()
                                         ? "Low Power Mode is on and the machine is on battery"
                                         : "Low Power Mode is on and the power state is unknown");
}

// Health research runs only while its data-protection class is readable: complete needs an
// unlocked session (unknown lock state is unmet: the data may be sealed); the first-
// authentication classes need a login since boot, which the policy assumes when unknown
// because a per-user daemon runs only once its user has logged in; none is always met.
// complete-unless-open is treated as complete-until-first-user-authentication: Linux has no
// per-file "already open" exemption, and files an app keeps open stay readable after locking.
void checkDataProtection(const TaskRequest& request, const SystemState& state,
                         const GatingPolicy& policy, std::vector<Unmet>& out)
{
    if (request.kind != TaskKind::HealthResearch)
        return;
    switch (protectionOf(request.options)) {
    case Protection::None: return;
    case Protection::Complete:
        if (!state.sessionLocked)
            add(out, kConditionDataProtection, "lock state unknown");
        else if (*state.sessionLocked)
            add(out, kConditionDataProtection,
                "the session is locked (complete protection needs it unlocked)");
        return;
    case Protection::CompleteUnlessOpen:
    case Protection::CompleteUntilFirstUserAuthentication:
        if (state.userLoggedInSinceBoot.value_or(policy.loggedInWhenUnknown))
            return;
        add(out, kConditionDataProtection,
            state.userLoggedInSinceBoot ? "the user has not logged in since boot"
                                        : "whether the user has logged in since boot is unknown");
        return;
    }
}

// The one rule for continued processing too: background GPU needs a render node.
void checkGpu(const RequestOptions& options, const SystemState& state, std::vector<Unmet>& out)
{
    if (!needsGpu(options) || state.gpuAvailable == true)
        return;
    add(out, kConditionGpu, state.gpuAvailable ? "no render node available" : "no render node known");
}

bool lostNetwork(const RequestOptions& options, const SystemState& state)
{
    if (!needsNetwork(options))
        return false;
    if (state.connectivity && *state.connectivity != Connectivity::Full)
        return true;
    return needsUnmetered(options) && state.metered == true;
}

} // namespace

// The network condition applies when the app asked for a connection in either spelling:
// the boolean of BGProcessingTaskRequest or a NetworkType stronger than "any".
bool needsNetwork(const RequestOptions& options)
{
    const auto type = options.networkType.value_or(NetworkType::Any);
    return options.requiresNetworkConnectivity.value_or(false) || type != NetworkType::Any;
}

// Continued processing starts at once by user action, so only its GPU is checked; the
// scheduled kinds go through every rule in the order of the table in Conditions.h.
std::vector<Unmet> unmetConditions(const TaskRequest& request, const SystemState& state,
                                   const GatingPolicy& policy)
{
    std::vector<Unmet> out;
    const auto& options = request.options;
    if (isScheduledKind(request.kind)) {
        checkNetwork(options, state, out);
        checkExternalPower(options, state, out);
        checkBatteryNotLow(options, state, policy, out);
        checkLowBattery(state, policy, out);
        checkUserIdle(request.kind, state, policy, out);
        checkLowPowerMode(request.kind, state, out);
        checkDataProtection(request, state, policy, out);
    }
    checkGpu(options, state, out);
    return out;
}

// Apple expires a task early "when conditions change". Only a condition that is known to be
// lost expires a run: unknown means a backend went away, which says nothing about the machine.
// Launching runs have not started work yet and Expiring ones are already on their way out;
// simulated runs (RunNow) ignore conditions by design; continued processing is never gated.
// Low battery, Low Power Mode and the GPU are checked before launch only: Apple names power,
// network, lock and user activity as the changes that cut a task short.
std::optional<std::string> lostCondition(const RunningTask& run, const SystemState& state,
                                         const GatingPolicy& policy)
{
    const auto& request = run.request;
    if (run.state != RunState::Running || run.simulated || !isScheduledKind(request.kind))
        return std::nullopt;
    const auto& options = request.options;
    if (options.requiresExternalPower.value_or(false) && state.onExternalPower == false)
        return kLostExternalPower;
    if (lostNetwork(options, state))
        return kLostNetwork;
    if (request.kind == TaskKind::HealthResearch && protectionOf(options) == Protection::Complete &&
        state.sessionLocked == true)
        return kLostSessionLocked;
    if (isProcessingLike(request.kind) && policy.processingRequiresIdle && state.userIdle == false)
        return kLostUserActive;
    return std::nullopt;
}

SystemState favourableSystemState()
{
    SystemState s;
    s.onExternalPower = true;   // no battery: batteryPercent and batteryState stay unknown
    s.connectivity = Connectivity::Full;
    s.metered = false;
    s.gpuAvailable = true;
    s.sessionLocked = false;
    s.userIdle = true;
    s.userLoggedInSinceBoot = true;
    s.lowPowerMode = false;
    return s;
}

} // namespace bgtask::core
