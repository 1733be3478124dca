// SPDX-License-Identifier: LGPL-2.1-or-later
// org.bgtaskd.Scheduler1 at /org/bgtaskd: decodes each app call, hands it to the TaskService
// with the caller's unique name, and encodes the answer. No logic of its own; every caller is
// reported to onCaller (the name watcher follows it until it leaves). The calls that write
// (Submit, Cancel, CancelAll) are decoded at once and served through the caller's queue in
// FairCalls, so that one connection's flood cannot hold up another app's calls.
//
// The methods are registered here, as the code sdbus-c++-xml2cpp generates from
// dbus/org.bgtaskd.Scheduler1.xml would (same names, signatures and argument names), with one
// difference: Submit gets the call itself and reads its options straight from it
// (readOptions()), where the generated code makes a Dict, a whole message per option. That was
// the most expensive part of decoding the hottest call (see OptionCodec.h).
#pragma once

#include "service/FairCalls.h"
#include "service/TaskService.h"

#include <sdbus-c++/sdbus-c++.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

namespace bgtask::bus {

class SchedulerAdaptor final {
public:
    SchedulerAdaptor(sdbus::IConnection& connection, service::TaskService& service, service::FairCalls& calls);
    ~SchedulerAdaptor();
    SchedulerAdaptor(const SchedulerAdaptor&) = delete;
    SchedulerAdaptor& operator=(const SchedulerAdaptor&) = delete;
    void onCaller(std::function<void(const std::string&)> callback) { onCaller_ = std::move(callback); }

private:
    void registerMethods();

    std::vector<std::string> Register(const std::vector<std::string>& identifiers);
    void Submit(sdbus::MethodCall call);
    void Cancel(sdbus::Result<>&& result, std::string identifier);
    void CancelAll(sdbus::Result<>&& result);
    std::vector<sdbus::Struct<std::string, std::string, std::map<std::string, sdbus::Variant>>>
    GetPendingTaskRequests();
    std::tuple<std::vector<std::string>, std::map<std::string, std::string>> GetSupportedResources();
    std::string GetBackgroundRefreshStatus();

    std::string sender() const;

    std::unique_ptr<sdbus::IObject> object_;
    service::TaskService& service_;
    service::FairCalls& calls_;
    std::function<void(const std::string&)> onCaller_;
};

} // namespace bgtask::bus
