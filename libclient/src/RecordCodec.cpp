// SPDX-License-Identifier: LGPL-2.1-or-later
#include "RecordCodec.h"

#include "RequestCodec.h"
#include "Time.h"

#include <bgtask-api/OptionKeys.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace bgtask::detail {
namespace key = api::key;
namespace {

std::string text(const VariantMap& record, const char* name)
{
    return lookupOr<std::string>(record, name, {});
}

std::optional<TimePoint> time(const VariantMap& record, const char* name)
{
    return optionalFromMicros(lookupOr<std::int64_t>(record, name, 0));
}

std::chrono::microseconds micros(const VariantMap& record, const char* name)
{
    return std::chrono::microseconds(lookupOr<std::int64_t>(record, name, 0));
}

SettingPolicy decodeSetting(const VariantMap& policy, const std::string& prefix)
{
    SettingPolicy s;
    s.status = text(policy, prefix.c_str());
    s.source = text(policy, (prefix + "Source").c_str());
    s.user = lookupOr(policy, (prefix + "User").c_str(), true);
    return s;
}

std::optional<ScheduleRecord> scheduleIn(const VariantMap& record)
{
    if (auto schedule = lookup<VariantMap>(record, key::kSchedule))
        return decodeScheduleRecord(*schedule);
    return std::nullopt;
}

} // namespace

ScheduleRecord decodeScheduleRecord(const VariantMap& record)
{
    ScheduleRecord s;
    s.app = text(record, key::kApp);
    s.identifier = text(record, key::kIdentifier);
    s.kind = text(record, key::kKind);
    s.source = text(record, key::kSource);
    s.interval = micros(record, key::kInterval);
    s.flex = micros(record, key::kFlex);
    s.randomizedDelay = micros(record, key::kRandomizedDelay);
    s.backoffDelay = micros(record, key::kBackoffDelay);
    s.maxBackoffDelay = micros(record, key::kMaxBackoffDelay);
    s.periodStart = time(record, key::kPeriodStart);
    s.lastSuccess = time(record, key::kLastSuccess);
    s.lastRunEnd = time(record, key::kLastRunEnd);
    s.failures = lookupOr<std::uint32_t>(record, key::kFailures, 0);
    s.nextRunNotBefore = time(record, key::kNextRunNotBefore);
    s.running = lookupOr(record, key::kRunning, false);
    return s;
}

RequestRecord decodeRequestRecord(const VariantMap& record)
{
    RequestRecord r;
    r.app = text(record, key::kApp);
    r.identifier = text(record, key::kIdentifier);
    r.kind = text(record, key::kKind);
    r.submittedAt = time(record, key::kSubmittedAt);
    r.earliestBeginDate = time(record, key::kEarliestBeginDate);
    r.request = decodeRequest(r.kind, r.identifier, lookupOr<VariantMap>(record, key::kOptions, {}));
    r.waiting = text(record, key::kWaiting);
    r.schedule = scheduleIn(record);
    return r;
}

RunningTaskRecord decodeRunningTaskRecord(const VariantMap& record)
{
    RunningTaskRecord r;
    if (auto path = lookup<sdbus::ObjectPath>(record, key::kTask))
        r.task = std::move(*path);
    r.app = text(record, key::kApp);
    r.identifier = text(record, key::kIdentifier);
    r.kind = text(record, key::kKind);
    r.state = text(record, key::kState);
    r.startedAt = time(record, key::kStartedAt);
    r.deadline = time(record, key::kDeadline);
    r.launchedByDaemon = lookupOr(record, key::kLaunchedByDaemon, false);
    r.simulated = lookupOr(record, key::kSimulated, false);
    r.expireReason = text(record, key::kExpireReason);
    return r;
}

HistoryRecord decodeHistoryRecord(const VariantMap& record)
{
    HistoryRecord r;
    r.run = lookupOr<std::uint64_t>(record, key::kRun, 0);
    r.app = text(record, key::kApp);
    r.identifier = text(record, key::kIdentifier);
    r.kind = text(record, key::kKind);
    r.startedAt = time(record, key::kStartedAt);
    r.endedAt = time(record, key::kEndedAt);
    r.outcome = text(record, key::kOutcome);
    r.reason = text(record, key::kReason);
    r.simulated = lookupOr(record, key::kSimulated, false);
    if (const auto cpu = lookup<std::uint64_t>(record, key::kCpuUsageNSec))
        r.cpuTime = std::chrono::nanoseconds(static_cast<std::int64_t>(*cpu));
    r.memoryPeakBytes = lookup<std::uint64_t>(record, key::kMemoryPeak);
    r.ioReadBytes = lookup<std::uint64_t>(record, key::kIoReadBytes);
    r.ioWriteBytes = lookup<std::uint64_t>(record, key::kIoWriteBytes);
    r.endCause = text(record, key::kEndCause);
    r.coalesceGroup = lookup<std::uint64_t>(record, key::kCoalesceGroup);
    r.checkpointSize = lookup<std::uint64_t>(record, key::kCheckpointSize);
    return r;
}

SimulationEvent decodeSimulationEvent(const VariantMap& event)
{
    SimulationEvent e;
    e.at = time(event, key::kAt);
    e.event = text(event, key::kEvent);
    e.app = text(event, key::kApp);
    e.identifier = text(event, key::kIdentifier);
    e.kind = text(event, key::kKind);
    if (const auto usec = lookup<std::int64_t>(event, key::kDuration))
        e.duration = std::chrono::microseconds(*usec);
    e.outcome = text(event, key::kOutcome);
    e.reason = text(event, key::kReason);
    return e;
}

VariantMap encodeSimulationRequest(const SimulationRequest& request)
{
    VariantMap map;
    if (request.hours)
        map[key::kHours] = sdbus::Variant(*request.hours);
    if (!request.scenario.empty())
        map[key::kScenario] = sdbus::Variant(request.scenario);
    if (!request.scenarioName.empty())
        map[key::kScenarioName] = sdbus::Variant(request.scenarioName);
    if (!request.app.empty())
        map[key::kApp] = sdbus::Variant(request.app);
    return map;
}

VariantMap encodeHistoryFilter(const HistoryFilter& filter)
{
    VariantMap map;
    if (filter.app)
        map[key::kApp] = sdbus::Variant(*filter.app);
    if (filter.identifier)
        map[key::kIdentifier] = sdbus::Variant(*filter.identifier);
    if (filter.since)
        map[key::kSince] = sdbus::Variant(toMicros(*filter.since));
    if (filter.limit)
        map[key::kLimit] = sdbus::Variant(*filter.limit);
    return map;
}

SystemStatus decodeSystemStatus(const VariantMap& state)
{
    SystemStatus s;
    s.onExternalPower = lookup<bool>(state, "OnExternalPower");
    s.batteryPercent = lookup<std::int32_t>(state, "BatteryPercent");
    s.batteryState = lookup<std::string>(state, "BatteryState");
    s.connectivity = lookup<std::string>(state, "Connectivity");
    s.metered = lookup<bool>(state, "Metered");
    s.gpuAvailable = lookup<bool>(state, "GpuAvailable");
    s.sessionLocked = lookup<bool>(state, "SessionLocked");
    s.userIdle = lookup<bool>(state, "UserIdle");
    s.userLoggedInSinceBoot = lookup<bool>(state, "UserLoggedInSinceBoot");
    s.lowPowerMode = lookup<bool>(state, "LowPowerMode");
    s.sources = lookupOr<std::map<std::string, std::string>>(state, "Sources", {});
    s.disabledSources = lookupOr<std::vector<std::string>>(state, "DisabledSources", {});
    return s;
}

Explanation decodeExplanation(const VariantMap& record)
{
    Explanation e;
    e.state = text(record, key::kState);
    e.kind = text(record, key::kKind);
    using Wire = sdbus::Struct<std::string, std::string, std::string, std::int64_t>;
    for (const auto& b : lookupOr<std::vector<Wire>>(record, "Blockers", {}))
        e.blockers.push_back({b.get<0>(), b.get<1>(), b.get<2>(), optionalFromMicros(b.get<3>())});
    e.dueAt = time(record, "DueAt");
    if (auto path = lookup<sdbus::ObjectPath>(record, key::kTask))
        e.task = std::move(*path);
    e.deadline = time(record, key::kDeadline);
    e.remaining = std::chrono::microseconds(lookupOr<std::int64_t>(record, "Remaining", 0));
    e.expireReason = text(record, key::kExpireReason);
    e.completedUnitCount = lookup<std::int64_t>(record, "CompletedUnitCount");
    e.totalUnitCount = lookup<std::int64_t>(record, "TotalUnitCount");
    e.title = text(record, key::kTitle);
    e.subtitle = text(record, key::kSubtitle);
    e.stallDeadline = time(record, "StallDeadline");
    e.startedAt = time(record, key::kStartedAt);
    e.outcome = text(record, key::kOutcome);
    e.reason = text(record, key::kReason);
    e.endedAt = time(record, key::kEndedAt);
    e.schedule = scheduleIn(record);
    e.checkpointSize = lookup<std::uint64_t>(record, key::kCheckpointSize);
    e.checkpointSavedAt = time(record, key::kCheckpointSavedAt);
    return e;
}

AppRecord decodeAppRecord(const VariantMap& record)
{
    using Strings = std::vector<std::string>;
    AppRecord a;
    a.app = text(record, key::kApp);
    a.busName = text(record, "BusName");
    a.identifiers = lookupOr<Strings>(record, "Identifiers", {});
    a.kinds = lookupOr<Strings>(record, "Kinds", {});
    a.entitlements = lookupOr<Strings>(record, "Entitlements", {});
    a.exec = text(record, "Exec");
    a.file = text(record, "File");
    a.pending = lookupOr<std::uint32_t>(record, "Pending", 0);
    a.running = lookupOr<std::uint32_t>(record, "Running", 0);
    a.policy = decodeAppPolicy(lookupOr<VariantMap>(record, "Policy", {}));
    a.budgetUsed = micros(record, "BudgetUsed");
    if (const auto limit = micros(record, "BudgetLimit"); limit.count() > 0)
        a.budgetLimit = limit;
    a.budgetResetsAt = time(record, "BudgetResetsAt");
    a.terminations = lookupOr<std::uint32_t>(record, "Terminations", 0);
    a.lastLaunch = time(record, "LastLaunch");
    a.nextRefreshAt = time(record, "NextRefreshAt");
    a.learnedOpens = lookupOr<std::uint64_t>(record, "LearnedOpens", 0);
    a.nextUse = time(record, "NextUse");
    for (const auto& schedule : lookupOr<std::vector<VariantMap>>(record, key::kSchedules, {}))
        a.schedules.push_back(decodeScheduleRecord(schedule));
    return a;
}

AppPolicy decodeAppPolicy(const VariantMap& policy)
{
    return {decodeSetting(policy, "Refresh"), decodeSetting(policy, "Continued")};
}

} // namespace bgtask::detail
