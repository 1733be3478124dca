// SPDX-License-Identifier: LGPL-2.1-or-later
#include "NameOwnership.h"

namespace bgtask::service {

void NameOwnership::update(const std::string& wellKnownName, const std::string& newOwner)
{
    if (auto it = owners_.find(wellKnownName); it != owners_.end()) {
        if (auto names = byOwner_.find(it->second); names != byOwner_.end()) {
            std::erase(names->second, wellKnownName);
            if (names->second.empty())
                byOwner_.erase(names);
        }
        owners_.erase(it);
    }
    if (newOwner.empty())
        return;
    owners_[wellKnownName] = newOwner;
    byOwner_[newOwner].push_back(wellKnownName);
}

std::optional<std::string> NameOwnership::ownerOf(std::string_view wellKnownName) const
{
    if (auto it = owners_.find(wellKnownName); it != owners_.end())
        return it->second;
    return std::nullopt;
}

const std::vector<std::string>& NameOwnership::namesOwnedBy(std::string_view uniqueName) const
{
    static const std::vector<std::string> kNone;
    if (auto it = byOwner_.find(uniqueName); it != byOwner_.end())
        return it->second;
    return kNone;
}

} // namespace bgtask::service
