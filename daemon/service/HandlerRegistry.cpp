// SPDX-License-Identifier: LGPL-2.1-or-later
#include "HandlerRegistry.h"

#include <algorithm>

namespace bgtask::service {

bool HandlerRegistry::add(const std::string& connection, const std::string& app,
                          const std::string& identifier)
{
    const bool added = entries_.insert(Entry{app, identifier, connection, nextSequence_++}).second;
    if (added)
        ++perConnection_[connection];
    return added;
}

void HandlerRegistry::dropConnection(std::string_view connection)
{
    std::erase_if(entries_, [&](const Entry& e) { return e.connection == connection; });
    if (const auto it = perConnection_.find(connection); it != perConnection_.end())
        perConnection_.erase(it);
}

std::size_t HandlerRegistry::count(std::string_view connection) const
{
    const auto it = perConnection_.find(connection);
    return it == perConnection_.end() ? 0 : it->second;
}

std::optional<std::string> HandlerRegistry::find(std::string_view app,
                                                 std::string_view identifier) const
{
    const Entry* best = nullptr;
    for (const auto& e : entries_)
        if (e.app == app && e.identifier == identifier && (!best || e.sequence > best->sequence))
            best = &e;
    if (!best)
        return std::nullopt;
    return best->connection;
}

bool HandlerRegistry::isRegistered(std::string_view connection, std::string_view app,
                                   std::string_view identifier) const
{
    return std::any_of(entries_.begin(), entries_.end(), [&](const Entry& e) {
        return e.connection == connection && e.app == app && e.identifier == identifier;
    });
}

} // namespace bgtask::service
