// SPDX-License-Identifier: LGPL-2.1-or-later
// The gating rules over every value of the state they read, unknown included, and every option
// that switches them on: which condition is unmet, with which sentence, and which lost
// condition expires a running task. Everything a rule does not read stays favourable, so each
// grid expects the complete list of unmet conditions, not just the one it is about.
#include "Fixtures.h"

#include "core/Conditions.h"

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

using namespace bgtask::core;
using namespace bgtask::core::test;

namespace Catch {
template <>
struct StringMaker<Unmet> {
    static std::string convert(const Unmet& u) { return "{" + u.condition + ", \"" + u.reason + "\"}"; }
};
} // namespace Catch

namespace {

constexpr TaskKind kScheduledKinds[] = {TaskKind::AppRefresh, TaskKind::Processing,
                                        TaskKind::HealthResearch};

std::string show(const std::optional<bool>& v) { return v ? (*v ? "true" : "false") : "unknown"; }
std::string show(const std::optional<int>& v) { return v ? std::to_string(*v) : "unknown"; }
template <typename Enum>
std::string show(const std::optional<Enum>& v)
{
    return v ? std::string(toString(*v)) : "unknown";
}

TaskRequest requestOf(TaskKind kind, const RequestOptions& options = {})
{
    TaskRequest r = validRequest(kind);
    r.options = options;
    return r;
}

bool processingLike(TaskKind kind)
{
    return kind == TaskKind::Processing || kind == TaskKind::HealthResearch;
}

} // namespace

TEST_CASE("Battery states and connectivity are spelled as bgtaskctl shows them")
{
    CHECK(toString(BatteryState::Charging) == "charging");
    CHECK(toString(BatteryState::Discharging) == "discharging");
    CHECK(toString(BatteryState::Full) == "full");
    CHECK(toString(BatteryState::NotCharging) == "not-charging");
    CHECK(toString(Connectivity::None) == "none");
    CHECK(toString(Connectivity::Portal) == "portal");
    CHECK(toString(Connectivity::Limited) == "limited");
    CHECK(toString(Connectivity::Full) == "full");
}

TEST_CASE("A favourable state meets every condition of every request and loses none")
{
    const SystemState state = favourableSystemState();
    CHECK(state.onExternalPower == true);
    CHECK_FALSE(state.batteryPercent.has_value());
    CHECK(state.connectivity == Connectivity::Full);
    CHECK(state.metered == false);
    CHECK(state.gpuAvailable == true);
    CHECK(state.sessionLocked == false);
    CHECK(state.userIdle == true);
    CHECK(state.userLoggedInSinceBoot == true);
    CHECK(state.lowPowerMode == false);

    const auto kind = GENERATE(from_range(std::begin(kAllTaskKinds), std::end(kAllTaskKinds)));
    const auto protection = GENERATE(as<std::optional<Protection>>{}, std::nullopt, Protection::None,
                                     Protection::Complete, Protection::CompleteUnlessOpen,
                                     Protection::CompleteUntilFirstUserAuthentication);
    const auto network = GENERATE(as<std::optional<NetworkType>>{}, std::nullopt, NetworkType::Any,
                                  NetworkType::Connected, NetworkType::Unmetered);
    const bool flags = GENERATE(false, true);
    CAPTURE(toString(kind), show(protection), show(network), flags);
    RequestOptions options;
    options.protectionTypeOfRequiredData = protection;
    options.networkType = network;
    options.requiresNetworkConnectivity = flags;
    options.requiresExternalPower = flags;
    options.requiresBatteryNotLow = flags;
    if (flags)
        options.requiredResources = std::vector<std::string>{kResourceGpu};
    const TaskRequest request = requestOf(kind, options);
    CHECK(unmetConditions(request, state, GatingPolicy{}).empty());

    RunningTask run;
    run.request = request;
    run.state = RunState::Running;
    CHECK_FALSE(lostCondition(run, state, GatingPolicy{}).has_value());
}

TEST_CASE("The network condition holds a request until connectivity is full and unmetered until not metered")
{
    const auto kind = GENERATE(from_range(std::begin(kAllTaskKinds), std::end(kAllTaskKinds)));
    const auto asked = GENERATE(as<std::optional<bool>>{}, std::nullopt, false, true);
    const auto type = GENERATE(as<std::optional<NetworkType>>{}, std::nullopt, NetworkType::Any,
                               NetworkType::Connected, NetworkType::Unmetered);
    const auto [connectivity, connectivityReason] =
        GENERATE(table<std::optional<Connectivity>, std::string>({
            {std::nullopt, "network: connectivity unknown (NetworkManager not available)"},
            {Connectivity::None, "network: connectivity is none (no connection)"},
            {Connectivity::Portal, "network: connectivity is portal (a captive portal asks for a login)"},
            {Connectivity::Limited, "network: connectivity is limited (no route to the internet)"},
            {Connectivity::Full, ""},
        }));
    const auto [metered, meteredReason] = GENERATE(table<std::optional<bool>, std::string>({
        {std::nullopt, "network-unmetered: whether the connection is metered is unknown"},
        {true, "network-unmetered: the connection is metered"},
        {false, ""},
    }));
    CAPTURE(toString(kind), show(asked), show(type), show(connectivity), show(metered));

    SystemState state = favourableSystemState();
    state.connectivity = connectivity;
    state.metered = metered;
    RequestOptions options;
    options.requiresNetworkConnectivity = asked;
    options.networkType = type;

    const bool scheduled = kind != TaskKind::ContinuedProcessing;
    const bool needsNetwork =
        asked == true || type == NetworkType::Connected || type == NetworkType::Unmetered;
    const bool needsUnmetered = type == NetworkType::Unmetered;
    std::vector<Unmet> expected;
    if (scheduled && needsNetwork && !connectivityReason.empty())
        expected.push_back({"network", connectivityReason});
    if (scheduled && needsUnmetered && !meteredReason.empty())
        expected.push_back({"network-unmetered", meteredReason});
    CHECK(unmetConditions(requestOf(kind, options), state, GatingPolicy{}) == expected);
}

TEST_CASE("The external-power condition holds a request until the machine is known to be on external power")
{
    const auto kind = GENERATE(from_range(std::begin(kAllTaskKinds), std::end(kAllTaskKinds)));
    const auto asked = GENERATE(as<std::optional<bool>>{}, std::nullopt, false, true);
    const auto onExternalPower = GENERATE(as<std::optional<bool>>{}, std::nullopt, false, true);
    const auto [percent, batteryState, batteryReason] =
        GENERATE(table<std::optional<int>, std::optional<BatteryState>, std::string>({
            {std::nullopt, std::nullopt, "external-power: on battery"},
            {42, BatteryState::Discharging, "external-power: on battery (42 %, discharging)"},
            {42, std::nullopt, "external-power: on battery (42 %)"},
            {std::nullopt, BatteryState::Discharging, "external-power: on battery (discharging)"},
            {100, BatteryState::Full, "external-power: on battery (100 %, full)"},
        }));
    CAPTURE(toString(kind), show(asked), show(onExternalPower), show(percent), show(batteryState));

    SystemState state = favourableSystemState();
    state.onExternalPower = onExternalPower;
    state.batteryPercent = percent;
    state.batteryState = batteryState;
    RequestOptions options;
    options.requiresExternalPower = asked;

    std::vector<Unmet> expected;
    if (kind != TaskKind::ContinuedProcessing && asked == true) {
        if (!onExternalPower)
            expected.push_back({"external-power", "external-power: power state unknown"});
        else if (!*onExternalPower)
            expected.push_back({"external-power", batteryReason});
    }
    CHECK(unmetConditions(requestOf(kind, options), state, GatingPolicy{}) == expected);
}

TEST_CASE("A low battery holds requests asking for battery-not-low, and all scheduled work while discharging")
{
    const auto kind = GENERATE(from_range(std::begin(kAllTaskKinds), std::end(kAllTaskKinds)));
    const auto asked = GENERATE(as<std::optional<bool>>{}, std::nullopt, false, true);
    const auto threshold = GENERATE(20, 10);
    const auto percent = GENERATE(as<std::optional<int>>{}, std::nullopt, 0, 9, 10, 19, 20, 100);
    const auto batteryState =
        GENERATE(as<std::optional<BatteryState>>{}, std::nullopt, BatteryState::Charging,
                 BatteryState::Discharging, BatteryState::Full, BatteryState::NotCharging);
    CAPTURE(toString(kind), show(asked), threshold, show(percent), show(batteryState));

    SystemState state = favourableSystemState();
    state.onExternalPower = batteryState != BatteryState::Discharging;
    state.batteryPercent = percent;
    state.batteryState = batteryState;
    RequestOptions options;
    options.requiresBatteryNotLow = asked;
    GatingPolicy policy;
    policy.lowBatteryPercent = threshold;

    const bool scheduled = kind != TaskKind::ContinuedProcessing;
    const bool low = percent && *percent < threshold;
    const std::string level = percent ? std::to_string(*percent) + " %" : "";
    std::vector<Unmet> expected;
    if (scheduled && asked == true && low) {
        if (!batteryState)
            expected.push_back({"battery-not-low", "battery-not-low: " + level + ", charging state unknown"});
        else if (*batteryState == BatteryState::Discharging)
            expected.push_back({"battery-not-low", "battery-not-low: " + level + " and discharging"});
        else if (*batteryState == BatteryState::NotCharging)
            expected.push_back({"battery-not-low", "battery-not-low: " + level + " and not-charging"});
    }
    if (scheduled && low && batteryState == BatteryState::Discharging)
        expected.push_back({"low-battery", "low-battery: " + level + " and discharging"});
    CHECK(unmetConditions(requestOf(kind, options), state, policy) == expected);
}

TEST_CASE("Processing and health research wait for an idle user, as the policy says")
{
    const auto kind = GENERATE(from_range(std::begin(kAllTaskKinds), std::end(kAllTaskKinds)));
    const bool requiresIdle = GENERATE(true, false);
    const auto [userIdle, idleWhenUnknown, reason] =
        GENERATE(table<std::optional<bool>, bool, std::string>({
            {true, true, ""},
            {true, false, ""},
            {false, true, "user-idle: the user is active"},
            {false, false, "user-idle: the user is active"},
            {std::nullopt, true, ""},
            {std::nullopt, false, "user-idle: idle state unknown"},
        }));
    CAPTURE(toString(kind), requiresIdle, show(userIdle), idleWhenUnknown);

    SystemState state = favourableSystemState();
    state.userIdle = userIdle;
    GatingPolicy policy;
    policy.processingRequiresIdle = requiresIdle;
    policy.idleWhenUnknown = idleWhenUnknown;

    std::vector<Unmet> expected;
    if (processingLike(kind) && requiresIdle && !reason.empty())
        expected.push_back({"user-idle", reason});
    CHECK(unmetConditions(requestOf(kind), state, policy) == expected);
}

TEST_CASE("The default policy asked an idle user and counts an unknown one as idle")
{
    const GatingPolicy policy;
    CHECK(policy.processingRequiresIdle);
    CHECK(policy.idleWhenUnknown);
    CHECK(policy.loggedInWhenUnknown);
    CHECK(policy.lowBatteryPercent == 20);
}

TEST_CASE("Low Power Mode pauses app refresh, and processing while not on external power")
{
    const auto kind = GENERATE(from_range(std::begin(kAllTaskKinds), std::end(kAllTaskKinds)));
    const auto lowPowerMode = GENERATE(as<std::optional<bool>>{}, std::nullopt, false, true);
    const auto onExternalPower = GENERATE(as<std::optional<bool>>{}, std::nullopt, false, true);
    CAPTURE(toString(kind), show(lowPowerMode), show(onExternalPower));

    SystemState state = favourableSystemState();
    state.lowPowerMode = lowPowerMode;
    state.onExternalPower = onExternalPower;

    std::vector<Unmet> expected;
    if (lowPowerMode == true && kind == TaskKind::AppRefresh)
        expected.push_back({"low-power-mode", "low-power-mode: Low Power Mode is on; app refresh is paused"});
    if (lowPowerMode == true && processingLike(kind) && onExternalPower == false)
        expected.push_back(
            {"low-power-mode", "low-power-mode: Low Power Mode is on and the machine is on battery"});
    if (lowPowerMode == true && processingLike(kind) && !onExternalPower)
        expected.push_back(
            {"low-power-mode", "low-power-mode: Low Power Mode is on and the power state is unknown"});
    CHECK(unmetConditions(requestOf(kind), state, GatingPolicy{}) == expected);
}

TEST_CASE("Health research waits until its data-protection class is available")
{
    const auto kind = GENERATE(from_range(std::begin(kAllTaskKinds), std::end(kAllTaskKinds)));
    const auto protection = GENERATE(as<std::optional<Protection>>{}, std::nullopt, Protection::None,
                                     Protection::Complete, Protection::CompleteUnlessOpen,
                                     Protection::CompleteUntilFirstUserAuthentication);
    const auto locked = GENERATE(as<std::optional<bool>>{}, std::nullopt, false, true);
    const auto loggedIn = GENERATE(as<std::optional<bool>>{}, std::nullopt, false, true);
    const bool loggedInWhenUnknown = GENERATE(true, false);
    CAPTURE(toString(kind), show(protection), show(locked), show(loggedIn), loggedInWhenUnknown);

    SystemState state = favourableSystemState();
    state.sessionLocked = locked;
    state.userLoggedInSinceBoot = loggedIn;
    GatingPolicy policy;
    policy.loggedInWhenUnknown = loggedInWhenUnknown;
    RequestOptions options;
    options.protectionTypeOfRequiredData = protection;

    std::string reason;
    if (protection == Protection::Complete) {
        if (!locked)
            reason = "data-protection: lock state unknown";
        else if (*locked)
            reason = "data-protection: the session is locked (complete protection needs it unlocked)";
    } else if (protection != Protection::None) {   // unset means complete-until-first-user-authentication
        if (loggedIn == false)
            reason = "data-protection: the user has not logged in since boot";
        else if (!loggedIn && !loggedInWhenUnknown)
            reason = "data-protection: whether the user has logged in since boot is unknown";
    }
    std::vector<Unmet> expected;
    if (kind == TaskKind::HealthResearch && !reason.empty())
        expected.push_back({"data-protection", reason});
    CHECK(unmetConditions(requestOf(kind, options), state, policy) == expected);
}

TEST_CASE("A request for the GPU waits for a render node, continued processing included")
{
    const auto kind = GENERATE(from_range(std::begin(kAllTaskKinds), std::end(kAllTaskKinds)));
    const auto [resources, needsGpu] = GENERATE(table<std::optional<std::vector<std::string>>, bool>({
        {std::nullopt, false},
        {std::vector<std::string>{}, false},
        {std::vector<std::string>{"gpu"}, true},
        {std::vector<std::string>{"other", "gpu"}, true},
        {std::vector<std::string>{"other"}, false},
    }));
    const auto [gpu, reason] = GENERATE(table<std::optional<bool>, std::string>({
        {std::nullopt, "gpu: no render node known"},
        {false, "gpu: no render node available"},
        {true, ""},
    }));
    CAPTURE(toString(kind), needsGpu, show(gpu));

    SystemState state = favourableSystemState();
    state.gpuAvailable = gpu;
    RequestOptions options;
    options.requiredResources = resources;
    if (kind == TaskKind::ContinuedProcessing)
        options.title = "Exporting photos";

    std::vector<Unmet> expected;
    if (needsGpu && !reason.empty())
        expected.push_back({"gpu", reason});
    CHECK(unmetConditions(requestOf(kind, options), state, GatingPolicy{}) == expected);
}

TEST_CASE("Unmet conditions are reported all at once in a fixed order")
{
    SystemState worst;
    worst.onExternalPower = false;
    worst.batteryPercent = 5;
    worst.batteryState = BatteryState::Discharging;
    worst.connectivity = Connectivity::Limited;
    worst.metered = true;
    worst.gpuAvailable = false;
    worst.sessionLocked = true;
    worst.userIdle = false;
    worst.userLoggedInSinceBoot = false;
    worst.lowPowerMode = true;
    RequestOptions options;
    options.requiresNetworkConnectivity = true;
    options.networkType = NetworkType::Unmetered;
    options.requiresExternalPower = true;
    options.requiresBatteryNotLow = true;
    options.requiredResources = std::vector<std::string>{kResourceGpu};

    const auto [kind, protection, ids] =
        GENERATE(table<TaskKind, std::optional<Protection>, std::vector<std::string>>({
            {TaskKind::AppRefresh, std::nullopt,
             {"network", "network-unmetered", "external-power", "battery-not-low", "low-battery",
              "low-power-mode", "gpu"}},
            {TaskKind::Processing, std::nullopt,
             {"network", "network-unmetered", "external-power", "battery-not-low", "low-battery",
              "user-idle", "low-power-mode", "gpu"}},
            {TaskKind::HealthResearch, Protection::Complete,
             {"network", "network-unmetered", "external-power", "battery-not-low", "low-battery",
              "user-idle", "low-power-mode", "data-protection", "gpu"}},
            {TaskKind::HealthResearch, std::nullopt,
             {"network", "network-unmetered", "external-power", "battery-not-low", "low-battery",
              "user-idle", "low-power-mode", "data-protection", "gpu"}},
            {TaskKind::HealthResearch, Protection::None,
             {"network", "network-unmetered", "external-power", "battery-not-low", "low-battery",
              "user-idle", "low-power-mode", "gpu"}},
            {TaskKind::ContinuedProcessing, std::nullopt, {"gpu"}},
        }));
    CAPTURE(toString(kind), show(protection));
    RequestOptions o = options;
    o.protectionTypeOfRequiredData = protection;
    const auto unmet = unmetConditions(requestOf(kind, o), worst, GatingPolicy{});
    std::vector<std::string> got;
    for (const auto& u : unmet) {
        CHECK(u.reason.starts_with(u.condition + ": "));
        got.push_back(u.condition);
    }
    CHECK(got == ids);
}

TEST_CASE("Continued processing waits for nothing but its GPU")
{
    SystemState worst;
    worst.onExternalPower = false;
    worst.batteryPercent = 1;
    worst.batteryState = BatteryState::Discharging;
    worst.connectivity = Connectivity::None;
    worst.metered = true;
    worst.sessionLocked = true;
    worst.userIdle = false;
    worst.userLoggedInSinceBoot = false;
    worst.lowPowerMode = true;
    worst.gpuAvailable = GENERATE(as<std::optional<bool>>{}, std::nullopt, false, true);
    const bool wantsGpu = GENERATE(false, true);
    CAPTURE(show(worst.gpuAvailable), wantsGpu);

    RequestOptions options;
    options.title = "Exporting photos";
    if (wantsGpu)
        options.requiredResources = std::vector<std::string>{kResourceGpu};
    const auto unmet = unmetConditions(requestOf(TaskKind::ContinuedProcessing, options), worst,
                                       GatingPolicy{});
    CHECK(unmet.size() == (wantsGpu && worst.gpuAvailable != true ? 1U : 0U));
}

// ---- Lost during a run -------------------------------------------------------------------

namespace {

struct LostCase {
    std::string name;
    RequestOptions options;
    SystemState state;
    GatingPolicy policy;
    // The expected reason for an app-refresh, a processing and a health-research run.
    std::optional<std::string> refresh, processing, health;
};

// Each case spoils the favourable state in one way (or a few, to show which loss wins).
std::vector<LostCase> lostCases()
{
    std::vector<LostCase> cases;
    const auto add = [&](std::string name, auto setOptions, auto setState,
                         std::optional<std::string> refresh, std::optional<std::string> processing,
                         std::optional<std::string> health, GatingPolicy policy = {}) {
        LostCase c{std::move(name), {}, favourableSystemState(), policy, refresh, processing, health};
        setOptions(c.options);
        setState(c.state);
        cases.push_back(std::move(c));
    };
    const auto none = std::optional<std::string>{};
    const auto noOptions = [](RequestOptions&) {};
    const auto noChange = [](SystemState&) {};
    const auto power = [](RequestOptions& o) { o.requiresExternalPower = true; };
    const auto net = [](RequestOptions& o) { o.requiresNetworkConnectivity = true; };
    const auto connected = [](RequestOptions& o) { o.networkType = NetworkType::Connected; };
    const auto unmetered = [](RequestOptions& o) { o.networkType = NetworkType::Unmetered; };
    const auto complete = [](RequestOptions& o) { o.protectionTypeOfRequiredData = Protection::Complete; };
    const std::string p = "external-power-lost", n = "network-lost", l = "session-locked", a = "user-active";

    add("nothing lost", noOptions, noChange, none, none, none);
    add("external power known lost", power, [](SystemState& s) { s.onExternalPower = false; }, p, p, p);
    add("external power unknown", power, [](SystemState& s) { s.onExternalPower.reset(); }, none, none, none);
    add("on battery without asking for power", noOptions,
        [](SystemState& s) { s.onExternalPower = false; }, none, none, none);
    for (auto c : {Connectivity::None, Connectivity::Portal, Connectivity::Limited}) {
        const auto setC = [c](SystemState& s) { s.connectivity = c; };
        add("network " + std::string(toString(c)), net, setC, n, n, n);
        add("connected " + std::string(toString(c)), connected, setC, n, n, n);
        add("unmetered " + std::string(toString(c)), unmetered, setC, n, n, n);
        add("any " + std::string(toString(c)), [](RequestOptions& o) { o.networkType = NetworkType::Any; },
            setC, none, none, none);
        add("no network asked " + std::string(toString(c)), noOptions, setC, none, none, none);
    }
    add("network unknown", net, [](SystemState& s) { s.connectivity.reset(); }, none, none, none);
    add("unmetered now metered", unmetered, [](SystemState& s) { s.metered = true; }, n, n, n);
    add("unmetered metered unknown", unmetered, [](SystemState& s) { s.metered.reset(); }, none, none,
        none);
    add("connected now metered", connected, [](SystemState& s) { s.metered = true; }, none, none, none);
    add("complete and locked", complete, [](SystemState& s) { s.sessionLocked = true; }, none, none, l);
    add("complete and lock unknown", complete, [](SystemState& s) { s.sessionLocked.reset(); }, none,
        none, none);
    add("default protection and locked", noOptions, [](SystemState& s) { s.sessionLocked = true; }, none,
        none, none);
    add("first-auth class and not logged in",
        [](RequestOptions& o) {
            o.protectionTypeOfRequiredData = Protection::CompleteUntilFirstUserAuthentication;
        },
        [](SystemState& s) { s.userLoggedInSinceBoot = false; }, none, none, none);
    add("user active", noOptions, [](SystemState& s) { s.userIdle = false; }, none, a, a);
    add("idle unknown", noOptions, [](SystemState& s) { s.userIdle.reset(); }, none, none, none);
    GatingPolicy noIdle;
    noIdle.processingRequiresIdle = false;
    add("user active, idle not required", noOptions, [](SystemState& s) { s.userIdle = false; }, none,
        none, none, noIdle);
    add("low battery, Low Power Mode and no GPU", noOptions,
        [](SystemState& s) {
            s.onExternalPower = false;
            s.batteryPercent = 3;
            s.batteryState = BatteryState::Discharging;
            s.lowPowerMode = true;
            s.gpuAvailable = false;
        },
        none, none, none);
    const auto everything = [](RequestOptions& o) {
        o.requiresExternalPower = true;
        o.networkType = NetworkType::Unmetered;
        o.protectionTypeOfRequiredData = Protection::Complete;
    };
    add("all lost: power wins", everything,
        [](SystemState& s) {
            s.onExternalPower = false;
            s.metered = true;
            s.sessionLocked = true;
            s.userIdle = false;
        },
        p, p, p);
    add("network, lock and activity lost: network wins", everything,
        [](SystemState& s) {
            s.connectivity = Connectivity::Limited;
            s.sessionLocked = true;
            s.userIdle = false;
        },
        n, n, n);
    add("lock and activity lost: lock wins", everything,
        [](SystemState& s) {
            s.sessionLocked = true;
            s.userIdle = false;
        },
        none, a, l);
    return cases;
}

} // namespace

TEST_CASE("A running task expires for the first condition known to be lost, and only while running for real")
{
    const auto c = GENERATE(from_range(lostCases()));
    const auto kind = GENERATE(from_range(std::begin(kAllTaskKinds), std::end(kAllTaskKinds)));
    const auto runState = GENERATE(RunState::Launching, RunState::Running, RunState::Expiring);
    const bool simulated = GENERATE(false, true);
    CAPTURE(c.name, toString(kind), toString(runState), simulated);

    RunningTask run;
    run.runId = 4;
    run.request = requestOf(kind, c.options);
    run.state = runState;
    run.simulated = simulated;

    std::optional<std::string> expected;
    if (runState == RunState::Running && !simulated) {
        switch (kind) {
        case TaskKind::AppRefresh: expected = c.refresh; break;
        case TaskKind::Processing: expected = c.processing; break;
        case TaskKind::HealthResearch: expected = c.health; break;
        case TaskKind::ContinuedProcessing: break;   // never gated by conditions
        }
    }
    const auto lost = lostCondition(run, c.state, c.policy);
    CHECK(lost.value_or("(none)") == expected.value_or("(none)"));
}

TEST_CASE("Every lost-condition reason names a condition unmet for a new request of the same kind")
{
    // A lost condition must also keep the next request waiting, or a task would expire and its
    // resubmission start again at once in the very same state.
    const auto c = GENERATE(from_range(lostCases()));
    const auto kind = GENERATE(from_range(std::begin(kScheduledKinds), std::end(kScheduledKinds)));
    CAPTURE(c.name, toString(kind));
    RunningTask run;
    run.request = requestOf(kind, c.options);
    run.state = RunState::Running;
    const auto lost = lostCondition(run, c.state, c.policy);
    const auto unmet = unmetConditions(run.request, c.state, c.policy);
    if (lost)
        CHECK_FALSE(unmet.empty());
}
