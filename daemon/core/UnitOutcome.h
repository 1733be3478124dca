// SPDX-License-Identifier: LGPL-2.1-or-later
// How a run in a systemd unit ends, from what the manager reports: the result of the start job
// bgtaskd queued (JobRemoved), the unit's ActiveState and its Result, and whether bgtaskd
// asked the unit to stop. Pure: the unit target collects the facts and acts on the verdict.
#pragma once

#include "Run.h"

#include <optional>
#include <string>
#include <string_view>

namespace bgtask::core {

struct UnitFacts {
    std::optional<std::string> jobResult;  // the start job's result once removed: "done",
                                           // "failed", "canceled", "timeout", "dependency", …
    std::string activeState;               // "inactive", "activating", "active", "failed", …;
                                           // "" while unknown
    std::string result;                    // the unit's Result ("success", "exit-code", …); ""
                                           // when the unit type has none or it is unknown
    bool stopRequested = false;            // bgtaskd called StopUnit (the run was expiring)
    std::string expireReason;              // bgtaskd's reason for that stop
};

struct UnitVerdict {
    Outcome outcome;
    std::string reason;     // for the history: systemd's result, or bgtaskd's expiration reason
    std::string endCause;   // systemd's Result when it was not "success" (the kill attribution)

    bool operator==(const UnitVerdict&) const = default;
};

// nullopt while the run goes on: the start job is still queued or running, or the unit is
// active, activating, deactivating or reloading. Once the job is gone and the unit is inactive
// or failed:
//  - stop requested: Expired with bgtaskd's reason, or Terminated when systemd had to kill it
//    (Result "timeout": TimeoutStopSec= ran out);
//  - a start job that did not finish ("dependency", "canceled", "skipped", …; not "failed"):
//    LaunchFailed "unit-job-<result>";
//  - Result "success", or no Result on an inactive unit: Completed;
//  - any other Result: Failed with that result as the reason ("exit-code", "oom-kill", …),
//    or "failed" for a failed unit without one.
std::optional<UnitVerdict> unitVerdict(const UnitFacts& facts);

// True for a name systemd accepts as a unit to start: "<prefix>.<type>" with a type StartUnit
// can start (not .device or .scope),
// at most 255 bytes, of [A-Za-z0-9:_.\-@] (and "\" escapes), not a template without instance.
bool isValidUnitName(std::string_view name);

// "org.freedesktop.systemd1.Service" for "x.service": the interface that carries the unit
// type's Result and accounting properties.
std::string unitTypeInterface(std::string_view unitName);

} // namespace bgtask::core
