// SPDX-License-Identifier: LGPL-2.1-or-later
#include "NetworkCoalescing.h"

#include "Conditions.h"
#include "Planner.h"

namespace bgtask::core {

bool coalescesOnNetwork(const TaskRequest& request)
{
    return isScheduledKind(request.kind) && needsNetwork(request.options);
}

bool joinsGroup(TimePoint dueAt, TimePoint leader, Duration window)
{
    return window > Duration{0} && dueAt > leader && dueAt - leader <= window;
}

std::string coalescedText(std::size_t others, TimePoint leader)
{
    return "coalesced with " + std::to_string(others) + " other network request" + (others == 1 ? "" : "s") +
           " at " + formatUtc(leader);
}

} // namespace bgtask::core
