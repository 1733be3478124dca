// SPDX-License-Identifier: LGPL-2.1-or-later
#include "RecordCodec.h"

#include "RequestCodec.h"
#include "Time.h"

#include <bgtask-api/OptionKeys.h>

#include <cstdint>

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

} // namespace

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
    return r;
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

} // namespace bgtask::detail
