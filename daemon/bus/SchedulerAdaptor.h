// SPDX-License-Identifier: LGPL-2.1-or-later
// org.bgtaskd.Scheduler1 at /org/bgtaskd: decodes each app call, hands it to the TaskService
// with the caller's unique name, and encodes the answer. No logic of its own; every caller is
// reported to onCaller (the name watcher follows it until it leaves). The calls that write
// (Submit, Cancel, CancelAll) are decoded at once and served through the caller's queue in
// FairCalls, so that one connection's flood cannot hold up another app's calls.
#pragma once

#include "service/FairCalls.h"
#include "service/TaskService.h"

#include <bgtask-glue/Scheduler1-adaptor.h>

#include <functional>
#include <string>

namespace bgtask::bus {

class SchedulerAdaptor final : public sdbus::AdaptorInterfaces<org::bgtaskd::Scheduler1_adaptor> {
public:
    SchedulerAdaptor(sdbus::IConnection& connection, service::TaskService& service, service::FairCalls& calls);
    ~SchedulerAdaptor();
    void onCaller(std::function<void(const std::string&)> callback) { onCaller_ = std::move(callback); }

private:
    std::vector<std::string> Register(const std::vector<std::string>& identifiers) override;
    void Submit(sdbus::Result<>&& result, std::string kind, std::string identifier,
                std::map<std::string, sdbus::Variant> options) override;
    void Cancel(sdbus::Result<>&& result, std::string identifier) override;
    void CancelAll(sdbus::Result<>&& result) override;
    std::vector<sdbus::Struct<std::string, std::string, std::map<std::string, sdbus::Variant>>>
    GetPendingTaskRequests() override;
    std::tuple<std::vector<std::string>, std::map<std::string, std::string>> GetSupportedResources() override;
    std::string GetBackgroundRefreshStatus() override;

    std::string sender() const;

    service::TaskService& service_;
    service::FairCalls& calls_;
    std::function<void(const std::string&)> onCaller_;
};

} // namespace bgtask::bus
