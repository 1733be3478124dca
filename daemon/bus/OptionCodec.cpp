// SPDX-License-Identifier: LGPL-2.1-or-later
#include "OptionCodec.h"

#include "ScheduleCodec.h"

#include "core/Utf8.h"

#include <bgtask-api/Names.h>
#include <bgtask-api/OptionKeys.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <variant>

namespace bgtask::bus {
namespace key = api::key;
namespace {

template <typename T>
T get(const Dict::value_type& entry)
{
    if (!entry.second.containsValueOfType<T>())
        throw core::Error(core::ErrorCode::InvalidArgument, "wrong-type",
                          core::excerpt(entry.first) + " must have D-Bus type '" + sdbus::signature_of<T>::str() +
                              "', not '" + entry.second.peekValueType() + "'");
    return entry.second.get<T>();
}

// A Submit option's value, however it arrived: its D-Bus type and, for the types an option can
// have, the value (any other is only named in the error). Options are kept as a Dict keeps them,
// in key order with the first of duplicate keys, so that both ways judge them alike.
struct OptionValue {
    std::string type;
    std::variant<std::monostate, std::int64_t, bool, std::string, std::vector<std::string>> value;
};
using OptionMap = std::map<std::string, OptionValue>;
using Option = OptionMap::value_type;

template <typename T>
T get(const Option& entry)
{
    const auto expected = sdbus::signature_of<T>::str();
    if (entry.second.type != expected)
        throw core::Error(core::ErrorCode::InvalidArgument, "wrong-type",
                          core::excerpt(entry.first) + " must have D-Bus type '" + expected + "', not '" +
                              entry.second.type + "'");
    return std::get<T>(entry.second.value);
}

OptionValue valueOf(const sdbus::Variant& variant)
{
    OptionValue out{variant.peekValueType(), {}};
    if (out.type == "x")
        out.value = variant.get<std::int64_t>();
    else if (out.type == "b")
        out.value = variant.get<bool>();
    else if (out.type == "s")
        out.value = variant.get<std::string>();
    else if (out.type == "as")
        out.value = variant.get<std::vector<std::string>>();
    return out;
}

template <typename T>
T readVariant(sdbus::Message& message, const std::string& type)
{
    T value{};
    message.enterVariant(type);
    message >> value;
    message.exitVariant();
    return value;
}

// The variant at the message's position.
OptionValue readValue(sdbus::Message& message)
{
    std::string variant;
    OptionValue out;
    message.peekType(variant, out.type);
    if (out.type == "x")
        out.value = readVariant<std::int64_t>(message, out.type);
    else if (out.type == "b")
        out.value = readVariant<bool>(message, out.type);
    else if (out.type == "s")
        out.value = readVariant<std::string>(message, out.type);
    else if (out.type == "as")
        out.value = readVariant<std::vector<std::string>>(message, out.type);
    else {
        sdbus::Variant skipped;   // no option has this type: only its name is needed
        message >> skipped;
    }
    return out;
}

using Decoder = std::function<void(core::RequestOptions&, const Option&)>;

// A duration in microseconds. The smallest int64 would read as unset in the request's compact
// optional (core/Compact.h); one more is as negative, and core::checkScheduleOptions() refuses
// it with the same error.
core::Duration spanOf(const Option& e)
{
    return core::Duration{std::max(get<std::int64_t>(e), std::numeric_limits<std::int64_t>::min() + 1)};
}

const std::map<std::string, Decoder>& optionDecoders()
{
    static const std::map<std::string, Decoder> decoders{
        {key::kEarliestBeginDate,
         [](auto& o, const auto& e) {
             const auto usec = get<std::int64_t>(e);
             if (usec < 0)
                 throw core::Error(core::ErrorCode::InvalidArgument, "out-of-range",
                                   "EarliestBeginDate must not be negative");
             if (usec > 0)   // 0 means "no delay", like an unset date
                 o.earliestBeginDate = core::fromUsec(usec);
         }},
        {key::kRequiresNetworkConnectivity, [](auto& o, const auto& e) { o.requiresNetworkConnectivity = get<bool>(e); }},
        {key::kRequiresExternalPower, [](auto& o, const auto& e) { o.requiresExternalPower = get<bool>(e); }},
        {key::kProtectionTypeOfRequiredData,
         [](auto& o, const auto& e) { o.protectionTypeOfRequiredData = core::parseProtection(get<std::string>(e)); }},
        {key::kTitle, [](auto& o, const auto& e) { o.title = get<std::string>(e); }},
        {key::kSubtitle, [](auto& o, const auto& e) { o.subtitle = get<std::string>(e); }},
        {key::kStrategy, [](auto& o, const auto& e) { o.strategy = core::parseStrategy(get<std::string>(e)); }},
        {key::kRequiredResources,
         [](auto& o, const auto& e) { o.requiredResources = get<std::vector<std::string>>(e); }},
        {key::kNetworkType, [](auto& o, const auto& e) { o.networkType = core::parseNetworkType(get<std::string>(e)); }},
        {key::kRequiresBatteryNotLow, [](auto& o, const auto& e) { o.requiresBatteryNotLow = get<bool>(e); }},
        // Durations in microseconds; core::checkScheduleOptions() judges their bounds.
        {key::kRepeatInterval, [](auto& o, const auto& e) { o.repeatInterval = spanOf(e); }},
        {key::kFlex, [](auto& o, const auto& e) { o.flex = spanOf(e); }},
        {key::kRandomizedDelay, [](auto& o, const auto& e) { o.randomizedDelay = spanOf(e); }},
        {key::kBackoffDelay, [](auto& o, const auto& e) { o.backoffDelay = spanOf(e); }},
        {key::kMaxBackoffDelay, [](auto& o, const auto& e) { o.maxBackoffDelay = spanOf(e); }},
    };
    return decoders;
}

std::int64_t usec(std::optional<core::TimePoint> t) { return t ? core::toUsec(*t) : 0; }
std::int64_t usec(core::Duration d) { return std::chrono::duration_cast<std::chrono::microseconds>(d).count(); }

core::RequestOptions decode(const OptionMap& options)
{
    core::RequestOptions out;
    const auto& decoders = optionDecoders();
    for (const auto& entry : options) {
        auto it = decoders.find(entry.first);
        if (it == decoders.end())
            throw core::Error(core::ErrorCode::InvalidArgument, "unknown-option",
                              "'" + core::excerpt(entry.first) + "' is not a Submit option this bgtaskd knows");
        it->second(out, entry);
    }
    return out;
}

} // namespace

core::RequestOptions decodeOptions(const Dict& options)
{
    OptionMap values;
    for (const auto& [key, variant] : options)
        values.emplace(key, valueOf(variant));
    return decode(values);
}

// As sdbus-c++ reads an a{sv} into a Dict (Message.h), without a message per value.
core::RequestOptions readOptions(sdbus::Message& message)
{
    OptionMap values;
    if (message.enterContainer("{sv}")) {
        while (message.enterDictEntry("sv")) {
            std::string key;
            message >> key;
            auto value = readValue(message);
            values.emplace(std::move(key), std::move(value));
            message.exitDictEntry();
        }
        message.clearFlags();
        message.exitContainer();
    }
    return decode(values);
}

Dict encodeOptions(const core::RequestOptions& o)
{
    Dict d;
    if (o.earliestBeginDate)
        d[key::kEarliestBeginDate] = core::toUsec(*o.earliestBeginDate);
    if (o.requiresNetworkConnectivity)
        d[key::kRequiresNetworkConnectivity] = *o.requiresNetworkConnectivity;
    if (o.requiresExternalPower)
        d[key::kRequiresExternalPower] = *o.requiresExternalPower;
    if (o.protectionTypeOfRequiredData)
        d[key::kProtectionTypeOfRequiredData] = std::string(toString(*o.protectionTypeOfRequiredData));
    if (o.title)
        d[key::kTitle] = *o.title;
    if (o.subtitle)
        d[key::kSubtitle] = *o.subtitle;
    if (o.strategy)
        d[key::kStrategy] = std::string(toString(*o.strategy));
    if (o.requiredResources)
        d[key::kRequiredResources] = *o.requiredResources;
    if (o.networkType)
        d[key::kNetworkType] = std::string(toString(*o.networkType));
    if (o.requiresBatteryNotLow)
        d[key::kRequiresBatteryNotLow] = *o.requiresBatteryNotLow;
    const std::pair<const char*, const core::SlimOptional<core::Duration>*> spans[] = {
        {key::kRepeatInterval, &o.repeatInterval}, {key::kFlex, &o.flex}, {key::kRandomizedDelay, &o.randomizedDelay},
        {key::kBackoffDelay, &o.backoffDelay}, {key::kMaxBackoffDelay, &o.maxBackoffDelay}};
    for (const auto& [name, span] : spans)
        if (*span)
            d[name] = usec(**span);
    return d;
}

service::SimulateRequest decodeSimulateRequest(const Dict& options)
{
    service::SimulateRequest out;
    for (const auto& entry : options) {
        if (entry.first == key::kHours)
            out.span = std::chrono::hours(get<std::uint32_t>(entry));
        else if (entry.first == key::kScenario)
            out.scenario = get<std::string>(entry);
        else if (entry.first == key::kScenarioName)
            out.scenarioName = core::excerpt(get<std::string>(entry));
        else if (entry.first == key::kApp)
            out.app = get<std::string>(entry);
        else
            throw core::Error(core::ErrorCode::InvalidArgument, "unknown-option",
                              "'" + core::excerpt(entry.first) + "' is not a Simulate option");
    }
    return out;
}

Dict encodeSimulationEvent(const core::SimulationEvent& event)
{
    Dict d{{key::kAt, core::toUsec(event.at)}, {key::kEvent, std::string(toString(event.type))},
           {key::kReason, event.reason}};
    if (!event.app.empty()) {
        d[key::kApp] = event.app;
        d[key::kIdentifier] = event.identifier;
    }
    if (event.kind)
        d[key::kKind] = std::string(toString(*event.kind));
    if (event.type == core::SimulationEvent::Type::Launch || event.type == core::SimulationEvent::Type::End)
        d[key::kDuration] = static_cast<std::int64_t>(event.duration.count());
    if (!event.outcome.empty())
        d[key::kOutcome] = event.outcome;
    return d;
}

store::HistoryFilter decodeHistoryFilter(const Dict& filter)
{
    store::HistoryFilter out;
    for (const auto& entry : filter) {
        if (entry.first == key::kApp)
            out.app = get<std::string>(entry);
        else if (entry.first == key::kIdentifier)
            out.identifier = get<std::string>(entry);
        else if (entry.first == key::kSince)
            out.since = core::fromUsec(get<std::int64_t>(entry));
        else if (entry.first == key::kLimit) {
            const auto limit = get<std::uint32_t>(entry);
            if (limit == 0 || limit > 10000)
                throw core::Error(core::ErrorCode::InvalidArgument, "out-of-range",
                                  "Limit must be between 1 and 10000");
            out.limit = limit;
        } else
            throw core::Error(core::ErrorCode::InvalidArgument, "unknown-option",
                              "'" + core::excerpt(entry.first) + "' is not a history filter key");
    }
    return out;
}

std::string taskObjectPath(std::int64_t runId)
{
    return std::string(api::kTaskPathPrefix) + std::to_string(runId);
}

Dict encodeRequestView(const service::RequestView& view)
{
    const auto& r = view.request;
    Dict d{{key::kApp, r.app.str()},
           {key::kIdentifier, r.identifier.str()},
           {key::kKind, std::string(toString(r.kind))},
           {key::kSubmittedAt, core::toUsec(r.submittedAt)},
           {key::kEarliestBeginDate, usec(r.options.earliestBeginDate)},
           {key::kOptions, encodeOptions(r.options)},
           {key::kWaiting, view.readiness.reason}};
    if (view.schedule)
        d[key::kSchedule] = encodeSchedule(*view.schedule);
    return d;
}

Dict encodeActiveRun(const service::ActiveRun& run)
{
    const auto& t = run.task;
    Dict d{{key::kTask, sdbus::ObjectPath(taskObjectPath(t.runId))},
           {key::kApp, t.request.app.str()},
           {key::kIdentifier, t.request.identifier.str()},
           {key::kKind, std::string(toString(t.request.kind))},
           {key::kState, std::string(toString(t.state))},
           {key::kStartedAt, core::toUsec(t.startedAt)},
           {key::kDeadline, usec(t.deadline)},
           {key::kLaunchedByDaemon, run.launchedByDaemon},
           {key::kSimulated, t.simulated}};
    if (t.state == core::RunState::Expiring)
        d[key::kExpireReason] = t.expireReason;
    return d;
}

Dict encodeRunRecord(const core::RunRecord& r)
{
    Dict d{{key::kRun, static_cast<std::uint64_t>(r.runId)},
            {key::kApp, r.app},
            {key::kIdentifier, r.identifier},
            {key::kKind, std::string(toString(r.kind))},
            {key::kStartedAt, core::toUsec(r.startedAt)},
            {key::kEndedAt, usec(r.endedAt)},
            {key::kOutcome, std::string(r.outcome ? toString(*r.outcome) : "running")},
            {key::kReason, r.reason},
            {key::kSimulated, r.simulated}};
    // Accounting keys only where the run's launch target measured them (a unit).
    const auto counter = [&d](const char* name, const std::optional<std::int64_t>& value) {
        if (value)
            d[name] = static_cast<std::uint64_t>(*value);
    };
    counter(key::kCpuUsageNSec, r.usage.cpuNsec);
    counter(key::kMemoryPeak, r.usage.memoryPeakBytes);
    counter(key::kIoReadBytes, r.usage.ioReadBytes);
    counter(key::kIoWriteBytes, r.usage.ioWriteBytes);
    if (!r.usage.endCause.empty())
        d[key::kEndCause] = r.usage.endCause;
    if (r.coalesceGroup)
        d[key::kCoalesceGroup] = static_cast<std::uint64_t>(*r.coalesceGroup);
    if (r.checkpointBytes)
        d[key::kCheckpointSize] = static_cast<std::uint64_t>(*r.checkpointBytes);
    return d;
}

Dict encodeExplanation(const service::Explanation& e)
{
    auto d = encodeExplanationState(e);
    if (e.schedule)
        d[key::kSchedule] = encodeSchedule(*e.schedule);
    if (e.checkpoint) {
        d[key::kCheckpointSize] = static_cast<std::uint64_t>(e.checkpoint->bytes);
        d[key::kCheckpointSavedAt] = core::toUsec(e.checkpoint->savedAt);
    }
    return d;
}

Dict encodeExplanationState(const service::Explanation& e)
{
    if (e.pending) {
        const auto& view = *e.pending;
        std::vector<sdbus::Struct<std::string, std::string, std::string, std::int64_t>> blockers;
        for (const auto& b : e.blockers)
            blockers.emplace_back(b.condition, b.reason, b.remedy, usec(b.since));
        return {{key::kState, std::string("pending")},
                {key::kKind, std::string(toString(view.request.kind))},
                {"Blockers", blockers},
                {"DueAt", usec(view.readiness.dueAt)}};
    }
    if (e.running) {
        auto d = encodeActiveRun(*e.running);
        const auto& deadline = e.running->task.deadline;
        d["Remaining"] = deadline && *deadline > e.now ? core::toUsec(*deadline) - core::toUsec(e.now)
                                                       : std::int64_t{0};
        if (e.running->task.request.kind == core::TaskKind::ContinuedProcessing) {
            const auto& p = e.running->progress;
            d["CompletedUnitCount"] = p.completed;
            d["TotalUnitCount"] = p.total;
            d[key::kTitle] = p.title;
            d[key::kSubtitle] = p.subtitle;
            d["StallDeadline"] = usec(e.running->task.stallDeadline);
        }
        return d;
    }
    const auto& r = *e.lastRun;
    return {{key::kState, std::string("finished")},
            {key::kKind, std::string(toString(r.kind))},
            {key::kOutcome, std::string(r.outcome ? toString(*r.outcome) : "running")},
            {key::kReason, r.reason},
            {key::kStartedAt, core::toUsec(r.startedAt)},
            {key::kEndedAt, usec(r.endedAt)}};
}

Dict encodeAppView(const service::AppView& app)
{
    const auto& m = *app.manifest;
    std::vector<std::string> identifiers(m.identifiers.begin(), m.identifiers.end());
    for (const auto& prefix : m.wildcardPrefixes)
        identifiers.push_back(prefix + "*");
    std::vector<std::string> kinds;
    for (auto kind : m.kinds)
        kinds.emplace_back(toString(kind));
    std::vector<std::string> entitlements;
    for (auto e : m.entitlements)
        entitlements.emplace_back(toString(e));
    return {{key::kApp, m.id},
            {"BusName", m.busName},
            {"Identifiers", identifiers},
            {"Kinds", kinds},
            {"Entitlements", entitlements},
            {"Exec", m.exec.value_or("")},
            {"User", m.user.value_or("")},
            {"File", m.sourceFile},
            {"Pending", static_cast<std::uint32_t>(app.pending)},
            {"Running", static_cast<std::uint32_t>(app.running)},
            {"Policy", encodePolicyView(app.policy)},
            {"BudgetUsed", usec(app.budgetUsed)},
            {"BudgetLimit", usec(app.budgetLimit)},
            {"BudgetResetsAt", core::toUsec(app.budgetResetsAt)},
            {"Terminations", static_cast<std::uint32_t>(app.usage.terminations)},
            {"LastLaunch", usec(app.usage.lastLaunch)},
            {"NextRefreshAt", usec(app.nextRefreshAt)},
            {"LearnedOpens", static_cast<std::uint64_t>(app.learnedOpens)},
            {"NextUse", usec(app.nextUse)},
            {key::kSchedules, encodeSchedules(app.schedules)}};
}

Dict encodePolicyView(const service::PolicyView& policy)
{
    return {{"Refresh", std::string(toString(policy.refresh.status))},
            {"Continued", std::string(toString(policy.continued.status))},
            {"RefreshSource", std::string(toString(policy.refresh.source))},
            {"ContinuedSource", std::string(toString(policy.continued.source))},
            {"RefreshUser", policy.refreshUser},
            {"ContinuedUser", policy.continuedUser}};
}

Dict encodeSystemState(const core::SystemState& state, const std::map<std::string, std::string>& sources,
                       const std::vector<std::string>& disabledSources)
{
    Dict d;
    auto put = [&d](const char* key, const auto& value) {
        if (value)
            d[key] = *value;
    };
    put("OnExternalPower", state.onExternalPower);
    put("BatteryPercent", state.batteryPercent);
    if (state.batteryState)
        d["BatteryState"] = std::string(toString(*state.batteryState));
    if (state.connectivity)
        d["Connectivity"] = std::string(toString(*state.connectivity));
    put("Metered", state.metered);
    put("GpuAvailable", state.gpuAvailable);
    put("SessionLocked", state.sessionLocked);
    put("UserIdle", state.userIdle);
    put("UserLoggedInSinceBoot", state.userLoggedInSinceBoot);
    put("LowPowerMode", state.lowPowerMode);
    std::map<std::string, std::string> known;
    for (const auto& [key, source] : sources)
        if (d.count(key))
            known[key] = source;
    d["Sources"] = known;
    d["DisabledSources"] = disabledSources;
    return d;
}

} // namespace bgtask::bus
