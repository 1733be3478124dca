// SPDX-License-Identifier: LGPL-2.1-or-later
#include "SourceRegistry.h"

#include "LogindSource.h"
#include "NetworkManagerSource.h"
#include "PowerProfilesSource.h"
#include "PowerSupplySource.h"
#include "RenderNodeSource.h"

#include "service/Log.h"

#include <algorithm>
#include <functional>

#include <unistd.h>

namespace bgtask::watch {
namespace {

auto log()
{
    static auto l = service::logger("watch");
    return l;
}

struct Entry {
    std::string_view name;
    bool needsBus;
    std::function<std::unique_ptr<StateSource>(sd_event*, sdbus::IConnection*)> create;
};

const std::vector<Entry>& entries()
{
    static const std::vector<Entry> all{
        {"power", false, [](sd_event* e, sdbus::IConnection*) { return std::make_unique<PowerSupplySource>(e); }},
        {"gpu", false, [](sd_event* e, sdbus::IConnection*) { return std::make_unique<RenderNodeSource>(e); }},
        {"network", true, [](sd_event*, sdbus::IConnection* b) { return std::make_unique<NetworkManagerSource>(*b); }},
        {"session", true,
         [](sd_event*, sdbus::IConnection* b) { return std::make_unique<LogindSource>(*b, getuid(), getpid()); }},
        {"power-profile", true,
         [](sd_event*, sdbus::IConnection* b) { return std::make_unique<PowerProfilesSource>(*b); }},
    };
    return all;
}

} // namespace

const std::vector<std::string_view>& SourceRegistry::knownNames()
{
    static const auto names = [] {
        std::vector<std::string_view> n;
        for (const auto& e : entries())
            n.push_back(e.name);
        return n;
    }();
    return names;
}

SourceRegistry::SourceRegistry(sd_event* event, sdbus::IConnection* systemBus, const std::set<std::string>& disabled)
{
    for (const auto& name : disabled)
        if (std::find(knownNames().begin(), knownNames().end(), name) == knownNames().end())
            log()->warn("Failed to disable state source '{}': no such source, ignoring", name);
    for (const auto& entry : entries()) {
        if (disabled.contains(std::string(entry.name))) {
            log()->info("State source '{}' is disabled; its fields stay unknown", entry.name);
            continue;
        }
        if (entry.needsBus && !systemBus) {
            log()->info("State source '{}' needs the system bus, which is unavailable; its fields stay unknown",
                        entry.name);
            continue;
        }
        sources_.push_back(entry.create(event, systemBus));
    }
}

SourceRegistry::~SourceRegistry() = default;

void SourceRegistry::start(StateSink& sink)
{
    for (const auto& source : sources_)
        source->start(sink);
}

std::vector<std::string_view> SourceRegistry::names() const
{
    std::vector<std::string_view> n;
    for (const auto& source : sources_)
        n.push_back(source->name());
    return n;
}

} // namespace bgtask::watch
