// SPDX-License-Identifier: LGPL-2.1-or-later
// Manager1 records (a{sv}) to and from the plain structs of bgtask/Manager.h. Unknown keys are
// ignored and missing ones keep their defaults, as Manager1.xml asks of clients.
#pragma once

#include "VariantMap.h"

#include <bgtask/Manager.h>

namespace bgtask::detail {

RequestRecord decodeRequestRecord(const VariantMap& record);
ScheduleRecord decodeScheduleRecord(const VariantMap& record);
RunningTaskRecord decodeRunningTaskRecord(const VariantMap& record);
HistoryRecord decodeHistoryRecord(const VariantMap& record);
VariantMap encodeHistoryFilter(const HistoryFilter& filter);
SimulationEvent decodeSimulationEvent(const VariantMap& event);
VariantMap encodeSimulationRequest(const SimulationRequest& request);
SystemStatus decodeSystemStatus(const VariantMap& state);
Explanation decodeExplanation(const VariantMap& record);
AppRecord decodeAppRecord(const VariantMap& record);
// GetPolicy's answer, also ListApps' Policy key.
AppPolicy decodeAppPolicy(const VariantMap& policy);

} // namespace bgtask::detail
