// SPDX-License-Identifier: LGPL-2.1-or-later
// Which connection (unique name) currently owns each app's well-known bus name, as reported by
// the bus daemon's NameOwnerChanged. A caller acts for an app only while it owns the app's name;
// this is the one place that answers "which apps is this caller?".
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bgtask::service {

class NameOwnership {
public:
    // newOwner empty: the name was released.
    void update(const std::string& wellKnownName, const std::string& newOwner);
    void clear()
    {
        owners_.clear();
        byOwner_.clear();
    }

    std::optional<std::string> ownerOf(std::string_view wellKnownName) const;
    // Well-known names owned by this unique name; valid until the next update() or clear().
    // A reference: every app call asks, and a copy cost it two allocations.
    const std::vector<std::string>& namesOwnedBy(std::string_view uniqueName) const;

private:
    std::map<std::string, std::string, std::less<>> owners_;   // well-known → unique
    // unique → its well-known names: every app call asks who the caller is, so this is a lookup,
    // not a walk over every name on the bus.
    std::map<std::string, std::vector<std::string>, std::less<>> byOwner_;
};

} // namespace bgtask::service
