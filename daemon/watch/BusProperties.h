// SPDX-License-Identifier: LGPL-2.1-or-later
// Small readers for the org.freedesktop.DBus.Properties traffic of the D-Bus state sources:
// typed look-ups in a GetAll answer and the decoding of a PropertiesChanged signal. A value of
// an unexpected type reads as absent, so a misbehaving backend yields unknown, never a throw.
#pragma once

#include <sdbus-c++/Message.h>
#include <sdbus-c++/Types.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bgtask::watch {

using PropertyMap = std::map<std::string, sdbus::Variant>;

inline constexpr const char* kPropertiesInterface = "org.freedesktop.DBus.Properties";

template <typename T>
std::optional<T> propertyValue(const PropertyMap& properties, const std::string& name)
{
    const auto it = properties.find(name);
    if (it == properties.end() || !it->second.template containsValueOfType<T>())
        return std::nullopt;
    return it->second.template get<T>();
}

struct PropertiesChange {
    std::string interface;
    PropertyMap changed;
    std::vector<std::string> invalidated;

    bool invalidates(const std::string& name) const
    {
        return std::find(invalidated.begin(), invalidated.end(), name) != invalidated.end();
    }
};

inline PropertiesChange readPropertiesChanged(sdbus::Message& message)
{
    PropertiesChange change;
    message >> change.interface >> change.changed >> change.invalidated;
    return change;
}

} // namespace bgtask::watch
