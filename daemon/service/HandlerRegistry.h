// SPDX-License-Identifier: LGPL-2.1-or-later
// Launch handlers declared with Scheduler1.Register: which connection can run which app's
// identifier. Registrations die with their connection.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>

namespace bgtask::service {

class HandlerRegistry {
public:
    // Returns true when this (connection, app, identifier) was not registered before.
    bool add(const std::string& connection, const std::string& app, const std::string& identifier);
    void dropConnection(std::string_view connection);
    // The connection that registered the identifier most recently and is still there.
    std::optional<std::string> find(std::string_view app, std::string_view identifier) const;
    bool isRegistered(std::string_view connection, std::string_view app,
                      std::string_view identifier) const;
    // How many (app, identifier) the connection has registered.
    std::size_t count(std::string_view connection) const;

private:
    struct Entry {
        std::string app;
        std::string identifier;
        std::string connection;
        unsigned long sequence;
        auto key() const { return std::tie(app, identifier, connection); }
        bool operator<(const Entry& o) const { return key() < o.key(); }
    };
    std::set<Entry> entries_;
    std::map<std::string, std::size_t, std::less<>> perConnection_;
    unsigned long nextSequence_ = 0;
};

} // namespace bgtask::service
