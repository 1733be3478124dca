// SPDX-License-Identifier: LGPL-2.1-or-later
// The a{sv} keys of Scheduler1.Submit options and of Manager1 records: one spelling, shared
// by the daemon's decoder and libbgtask's encoder.
#pragma once

namespace bgtask::api::key {

// Submit options
inline constexpr const char* kEarliestBeginDate = "EarliestBeginDate";
inline constexpr const char* kRequiresNetworkConnectivity = "RequiresNetworkConnectivity";
inline constexpr const char* kRequiresExternalPower = "RequiresExternalPower";
inline constexpr const char* kProtectionTypeOfRequiredData = "ProtectionTypeOfRequiredData";
inline constexpr const char* kTitle = "Title";
inline constexpr const char* kSubtitle = "Subtitle";
inline constexpr const char* kStrategy = "Strategy";
inline constexpr const char* kRequiredResources = "RequiredResources";
inline constexpr const char* kNetworkType = "NetworkType";
inline constexpr const char* kRequiresBatteryNotLow = "RequiresBatteryNotLow";
// Periodic work and retries: durations in microseconds (x)
inline constexpr const char* kRepeatInterval = "RepeatInterval";
inline constexpr const char* kFlex = "Flex";
inline constexpr const char* kRandomizedDelay = "RandomizedDelay";
inline constexpr const char* kBackoffDelay = "BackoffDelay";
inline constexpr const char* kMaxBackoffDelay = "MaxBackoffDelay";

// Manager1 records and filters
inline constexpr const char* kApp = "App";
inline constexpr const char* kIdentifier = "Identifier";
inline constexpr const char* kKind = "Kind";
inline constexpr const char* kSubmittedAt = "SubmittedAt";
inline constexpr const char* kOptions = "Options";
inline constexpr const char* kWaiting = "Waiting";
inline constexpr const char* kTask = "Task";
inline constexpr const char* kState = "State";
inline constexpr const char* kStartedAt = "StartedAt";
inline constexpr const char* kEndedAt = "EndedAt";
inline constexpr const char* kDeadline = "Deadline";
inline constexpr const char* kLaunchedByDaemon = "LaunchedByDaemon";
inline constexpr const char* kSimulated = "Simulated";
inline constexpr const char* kCheckpoint = "Checkpoint";
inline constexpr const char* kCheckpointSize = "CheckpointSize";
inline constexpr const char* kCheckpointSavedAt = "CheckpointSavedAt";
inline constexpr const char* kExpireReason = "ExpireReason";
inline constexpr const char* kRun = "Run";
inline constexpr const char* kOutcome = "Outcome";
inline constexpr const char* kReason = "Reason";
inline constexpr const char* kSince = "Since";
inline constexpr const char* kLimit = "Limit";
// History of runs that ran in a systemd unit (present only where measured)
inline constexpr const char* kCpuUsageNSec = "CPUUsageNSec";
inline constexpr const char* kMemoryPeak = "MemoryPeak";
inline constexpr const char* kIoReadBytes = "IOReadBytes";
inline constexpr const char* kIoWriteBytes = "IOWriteBytes";
inline constexpr const char* kEndCause = "EndCause";
inline constexpr const char* kCoalesceGroup = "CoalesceGroup";

// Manager1 schedule records (ListSchedules; Schedule in ListRequests and Explain; Schedules in
// ListApps), with Kind, App, Identifier and the five durations above
inline constexpr const char* kSchedule = "Schedule";
inline constexpr const char* kSchedules = "Schedules";
inline constexpr const char* kSource = "Source";
inline constexpr const char* kInterval = "Interval";
inline constexpr const char* kPeriodStart = "PeriodStart";
inline constexpr const char* kLastSuccess = "LastSuccess";
inline constexpr const char* kLastRunEnd = "LastRunEnd";
inline constexpr const char* kFailures = "Failures";
inline constexpr const char* kNextRunNotBefore = "NextRunNotBefore";
inline constexpr const char* kRunning = "Running";

// Manager1.Simulate: its options (with App) and its events (with App, Identifier, Kind,
// Outcome, Reason)
inline constexpr const char* kHours = "Hours";
inline constexpr const char* kScenario = "Scenario";
inline constexpr const char* kScenarioName = "ScenarioName";
inline constexpr const char* kAt = "At";
inline constexpr const char* kEvent = "Event";
inline constexpr const char* kDuration = "Duration";

} // namespace bgtask::api::key
