// SPDX-License-Identifier: LGPL-2.1-or-later
// Thin owners of the generated proxies (bgtask-glue) on a borrowed connection. They add nothing
// but the registration calls sdbus-c++ 1.2 expects.
#pragma once

#include <bgtask-api/Names.h>
#include <bgtask-glue/Manager1-proxy.h>
#include <bgtask-glue/Scheduler1-proxy.h>
#include <bgtask-glue/Task1-proxy.h>

#include <sdbus-c++/sdbus-c++.h>

#include <string>

namespace bgtask::detail {

class SchedulerProxy final : public sdbus::ProxyInterfaces<org::bgtaskd::Scheduler1_proxy> {
public:
    explicit SchedulerProxy(sdbus::IConnection& connection)
        : ProxyInterfaces(connection, api::kBusName, api::kObjectPath)
    {
        registerProxy();
    }
    ~SchedulerProxy() { unregisterProxy(); }
};

class TaskProxy final : public sdbus::ProxyInterfaces<org::bgtaskd::Task1_proxy> {
public:
    TaskProxy(sdbus::IConnection& connection, std::string path)
        : ProxyInterfaces(connection, api::kBusName, std::move(path))
    {
        registerProxy();
    }
    ~TaskProxy() { unregisterProxy(); }
};

// Used for calls only: the TaskChanged and PolicyChanged signals are not subscribed (registerProxy() would add the match).
class ManagerProxy final : public sdbus::ProxyInterfaces<org::bgtaskd::Manager1_proxy> {
public:
    explicit ManagerProxy(sdbus::IConnection& connection)
        : ProxyInterfaces(connection, api::kBusName, api::kObjectPath)
    {
    }
    ~ManagerProxy() { unregisterProxy(); }

private:
    void onTaskChanged(const std::string&, const std::string&, const std::string&,
                       const std::map<std::string, sdbus::Variant>&) override
    {
    }
    void onPolicyChanged(const std::string&, const std::map<std::string, sdbus::Variant>&) override {}
};

} // namespace bgtask::detail
