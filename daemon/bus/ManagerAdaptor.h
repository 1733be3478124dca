// SPDX-License-Identifier: LGPL-2.1-or-later
// org.bgtaskd.Manager1 at /org/bgtaskd: the tools' view (bgtaskctl). Ask the authorizer,
// decode, call, encode; also emits TaskChanged for the service. The calls that write (RunNow,
// Cancel, Expire, ForgetUsage, SetPolicy) are queued, once allowed, behind the caller's earlier
// writing calls in FairCalls, with the apps' Submit and Cancel, so that one tool's flood cannot
// hold up another connection's calls. Their callers are not followed: a tool that leaves still
// has its queued changes made. Borrows the service, the authorizer and the queues.
#pragma once

#include "Authorizer.h"

#include "core/SystemState.h"
#include "service/Effects.h"
#include "service/FairCalls.h"
#include "service/TaskService.h"

#include <bgtask-glue/Manager1-adaptor.h>

#include <atomic>
#include <functional>
#include <set>
#include <string>

namespace bgtask::bus {

class ManagerAdaptor final : public sdbus::AdaptorInterfaces<org::bgtaskd::Manager1_adaptor> {
public:
    ManagerAdaptor(sdbus::IConnection& connection, service::TaskService& service, Authorizer& authorizer,
                   service::FairCalls& calls, std::string version, core::TimePoint startedAt);
    ~ManagerAdaptor();

    // TaskChanged, when some connection has subscribed (Subscribe); otherwise nothing.
    void publish(const service::TaskEvent& event);
    // Called with each connection that subscribes, so that its leaving is followed.
    void onSubscriber(std::function<void(const std::string&)> hook) { onSubscriber_ = std::move(hook); }
    // A connection left the bus: its subscription ends.
    void connectionGone(const std::string& uniqueName) { subscribers_.erase(uniqueName); }
    std::size_t subscriberCount() const { return subscribers_.size(); }
    // Where a simulation's long part runs: work off the loop (told through its flag when to give
    // up), then done on the loop; false when no more can run now (the caller gets Unavailable
    // busy). Without one, simulations run on the loop, in the call.
    using Work = std::function<void(const std::atomic<bool>& cancelled)>;
    using OffLoopRunner = std::function<bool(Work work, std::function<void()> done)>;
    void runSimulationsWith(OffLoopRunner runner) { runSimulations_ = std::move(runner); }
    // PolicyChanged with the app's policy as it now stands.
    void policyChanged(const std::string& app);
    // Replaces the SystemState property and emits PropertiesChanged when it differs.
    void setSystemState(const core::SystemState& state, const std::map<std::string, std::string>& sources,
                        const std::vector<std::string>& disabledSources);

private:
    using Dict = std::map<std::string, sdbus::Variant>;
    using Problems = std::vector<sdbus::Struct<std::string, int32_t, std::string, bool>>;
    void ListRequests(sdbus::Result<std::vector<Dict>>&& result) override;
    void ListRunningTasks(sdbus::Result<std::vector<Dict>>&& result) override;
    void GetHistory(sdbus::Result<std::vector<Dict>>&& result, Dict filter) override;
    void RunNow(sdbus::Result<>&& result, std::string app, std::string identifier) override;
    void Cancel(sdbus::Result<>&& result, std::string app, std::string identifier) override;
    void Expire(sdbus::Result<>&& result, std::string app, std::string identifier) override;
    void ForgetUsage(sdbus::Result<>&& result, std::string app) override;
    void Explain(sdbus::Result<Dict>&& result, std::string app, std::string identifier) override;
    void Simulate(sdbus::Result<std::vector<Dict>, bool>&& result, Dict options) override;
    void ListApps(sdbus::Result<std::vector<Dict>>&& result) override;
    void ListSchedules(sdbus::Result<std::vector<Dict>>&& result) override;
    void GetPolicy(sdbus::Result<Dict>&& result, std::string app) override;
    void SetPolicy(sdbus::Result<>&& result, std::string app, std::string setting, bool enabled) override;
    void GetManifestProblems(sdbus::Result<Problems>&& result) override;
    void Subscribe(sdbus::Result<>&& result) override;
    void Unsubscribe() override;
    std::string Version() override { return version_; }
    int64_t StartedAt() override { return core::toUsec(startedAt_); }
    Dict SystemState() override;

    // The caller of the call being handled, asking for access (to one app, or "" for all).
    AccessRequest access(Access access, const std::string& app = {}) const;
    // A writing call's decision: once allowed, body runs in the caller's turn (FairCalls); a
    // core::Error it throws, or a denial, becomes the reply's error.
    Authorizer::Decision queuedIfAllowed(sdbus::Result<>&& result, std::function<void(service::CommitQueue::Done)> body);

    service::TaskService& service_;
    Authorizer& authorizer_;
    service::FairCalls& calls_;
    std::string version_;
    core::TimePoint startedAt_;
    core::SystemState state_;
    std::map<std::string, std::string> sources_;
    std::vector<std::string> disabledSources_;
    std::set<std::string, std::less<>> subscribers_;   // unique names
    std::function<void(const std::string&)> onSubscriber_;
    OffLoopRunner runSimulations_;
};

} // namespace bgtask::bus
