// SPDX-License-Identifier: LGPL-2.1-or-later
// Lenient reading of a{sv} dictionaries: a missing key or a value of another type reads as
// nullopt, so that records from a newer daemon never break an older library.
#pragma once

#include <sdbus-c++/Types.h>

#include <map>
#include <optional>
#include <string>

namespace bgtask::detail {

using VariantMap = std::map<std::string, sdbus::Variant>;

template <typename T>
std::optional<T> lookup(const VariantMap& map, const char* key)
{
    const auto it = map.find(key);
    if (it == map.end() || !it->second.template containsValueOfType<T>())
        return std::nullopt;
    return it->second.template get<T>();
}

template <typename T>
T lookupOr(const VariantMap& map, const char* key, T fallback)
{
    return lookup<T>(map, key).value_or(std::move(fallback));
}

} // namespace bgtask::detail
