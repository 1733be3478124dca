// SPDX-License-Identifier: LGPL-2.1-or-later
#include "NameOwnership.h"

namespace bgtask::service {

void NameOwnership::update(const std::string& wellKnownName, const std::string& newOwner)
{
    if (newOwner.empty())
        owners_.erase(wellKnownName);
    else
        owners_[wellKnownName] = newOwner;
}

std::optional<std::string> NameOwnership::ownerOf(std::string_view wellKnownName) const
{
    if (auto it = owners_.find(wellKnownName); it != owners_.end())
        return it->second;
    return std::nullopt;
}

std::vector<std::string> NameOwnership::namesOwnedBy(std::string_view uniqueName) const
{
    std::vector<std::string> names;
    for (const auto& [name, owner] : owners_)
        if (owner == uniqueName)
            names.push_back(name);
    return names;
}

} // namespace bgtask::service
