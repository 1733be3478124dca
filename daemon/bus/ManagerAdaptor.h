// SPDX-License-Identifier: LGPL-2.1-or-later
// org.bgtaskd.Manager1 at /org/bgtaskd: the tools' view (bgtaskctl). Decode, call, encode;
// also emits TaskChanged for the service.
#pragma once

#include "core/SystemState.h"
#include "service/Effects.h"
#include "service/TaskService.h"

#include <bgtask-glue/Manager1-adaptor.h>

namespace bgtask::bus {

class ManagerAdaptor final : public sdbus::AdaptorInterfaces<org::bgtaskd::Manager1_adaptor> {
public:
    ManagerAdaptor(sdbus::IConnection& connection, service::TaskService& service,
                   std::string version, core::TimePoint startedAt);
    ~ManagerAdaptor();

    void publish(const service::TaskEvent& event);
    // PolicyChanged with the app's policy as it now stands.
    void policyChanged(const std::string& app);
    // Replaces the SystemState property and emits PropertiesChanged when it differs.
    void setSystemState(const core::SystemState& state, const std::map<std::string, std::string>& sources,
                        const std::vector<std::string>& disabledSources);

private:
    using Dict = std::map<std::string, sdbus::Variant>;
    std::vector<Dict> ListRequests() override;
    std::vector<Dict> ListRunningTasks() override;
    std::vector<Dict> GetHistory(const Dict& filter) override;
    void RunNow(sdbus::Result<>&& result, std::string app, std::string identifier) override;
    void Cancel(sdbus::Result<>&& result, std::string app, std::string identifier) override;
    void Expire(const std::string& app, const std::string& identifier) override;
    Dict Explain(const std::string& app, const std::string& identifier) override;
    std::vector<Dict> ListApps() override;
    std::vector<Dict> ListSchedules() override;
    Dict GetPolicy(const std::string& app) override;
    void SetPolicy(sdbus::Result<>&& result, std::string app, std::string setting, bool enabled) override;
    std::vector<sdbus::Struct<std::string, int32_t, std::string, bool>> GetManifestProblems() override;
    std::string Version() override { return version_; }
    int64_t StartedAt() override { return core::toUsec(startedAt_); }
    Dict SystemState() override;

    service::TaskService& service_;
    std::string version_;
    core::TimePoint startedAt_;
    core::SystemState state_;
    std::map<std::string, std::string> sources_;
    std::vector<std::string> disabledSources_;
};

} // namespace bgtask::bus
