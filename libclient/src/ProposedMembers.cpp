// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ProposedMembers.h"

namespace bgtask::detail {

Resources decodeResources(const std::vector<std::string>& names)
{
    auto resources = Resources::Default;
    for (const auto& name : names)
        if (name == "gpu")
            resources = resources | Resources::Gpu;
    return resources;
}

BackgroundRefreshStatus decodeRefreshStatus(const std::string& status)
{
    if (status == "available")
        return BackgroundRefreshStatus::Available;
    if (status == "denied")
        return BackgroundRefreshStatus::Denied;
    return BackgroundRefreshStatus::Restricted;
}

} // namespace bgtask::detail
