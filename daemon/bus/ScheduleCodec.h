// SPDX-License-Identifier: LGPL-2.1-or-later
// Schedules as Manager1 shows them: one a{sv} record per schedule (ListSchedules, and the
// Schedule key of ListRequests and Explain, the Schedules key of ListApps). Times and durations
// in microseconds, 0 meaning none; the keys are in the Manager1 XML.
#pragma once

#include "service/ScheduleKeeper.h"

#include <sdbus-c++/Types.h>

#include <map>
#include <string>
#include <vector>

namespace bgtask::bus {

std::map<std::string, sdbus::Variant> encodeSchedule(const service::ScheduleView& schedule);
std::vector<std::map<std::string, sdbus::Variant>> encodeSchedules(const std::vector<service::ScheduleView>& schedules);

} // namespace bgtask::bus
