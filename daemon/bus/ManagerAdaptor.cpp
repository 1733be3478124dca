// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ManagerAdaptor.h"

#include "OptionCodec.h"
#include "Reply.h"
#include "ScheduleCodec.h"

#include <bgtask-api/Names.h>
#include <bgtask-api/OptionKeys.h>

namespace bgtask::bus {

ManagerAdaptor::ManagerAdaptor(sdbus::IConnection& connection, service::TaskService& service,
                               std::string version, core::TimePoint startedAt)
    : AdaptorInterfaces(connection, api::kObjectPath), service_(service),
      version_(std::move(version)), startedAt_(startedAt)
{
    registerAdaptor();
}

ManagerAdaptor::~ManagerAdaptor() { unregisterAdaptor(); }

std::vector<ManagerAdaptor::Dict> ManagerAdaptor::ListRequests()
{
    return translated("ListRequests", [&] {
        std::vector<Dict> out;
        for (const auto& view : service_.listRequests())
            out.push_back(encodeRequestView(view));
        return out;
    });
}

std::vector<ManagerAdaptor::Dict> ManagerAdaptor::ListRunningTasks()
{
    return translated("ListRunningTasks", [&] {
        std::vector<Dict> out;
        for (const auto& [id, run] : service_.running())
            out.push_back(encodeActiveRun(run));
        return out;
    });
}

std::vector<ManagerAdaptor::Dict> ManagerAdaptor::GetHistory(const Dict& filter)
{
    return translated("GetHistory", [&] {
        std::vector<Dict> out;
        for (const auto& record : service_.history(decodeHistoryFilter(filter)))
            out.push_back(encodeRunRecord(record));
        return out;
    });
}

void ManagerAdaptor::RunNow(sdbus::Result<>&& result, std::string app, std::string identifier)
{
    service_.runNow(app, identifier, replyWhenDone(std::move(result)));
}

void ManagerAdaptor::Expire(const std::string& app, const std::string& identifier)
{
    translated("Expire", [&] { service_.expireNow(app, identifier); });
}

ManagerAdaptor::Dict ManagerAdaptor::Explain(const std::string& app, const std::string& identifier)
{
    return translated("Explain", [&] { return encodeExplanation(service_.explain(app, identifier)); });
}

std::vector<ManagerAdaptor::Dict> ManagerAdaptor::ListApps()
{
    return translated("ListApps", [&] {
        std::vector<Dict> out;
        for (const auto& app : service_.apps())
            out.push_back(encodeAppView(app));
        return out;
    });
}

std::vector<ManagerAdaptor::Dict> ManagerAdaptor::ListSchedules()
{
    return translated("ListSchedules", [&] { return encodeSchedules(service_.schedules()); });
}

ManagerAdaptor::Dict ManagerAdaptor::GetPolicy(const std::string& app)
{
    return translated("GetPolicy", [&] { return encodePolicyView(service_.policyOf(app)); });
}

void ManagerAdaptor::SetPolicy(sdbus::Result<>&& result, std::string app, std::string setting, bool enabled)
{
    service_.setPolicy(app, setting, enabled, replyWhenDone(std::move(result)));
}

std::vector<sdbus::Struct<std::string, int32_t, std::string, bool>> ManagerAdaptor::GetManifestProblems()
{
    return translated("GetManifestProblems", [&] {
        std::vector<sdbus::Struct<std::string, int32_t, std::string, bool>> out;
        for (const auto& issue : service_.manifests().issues())
            out.emplace_back(issue.file, static_cast<int32_t>(issue.line), issue.message, issue.fatal);
        return out;
    });
}

void ManagerAdaptor::Cancel(sdbus::Result<>&& result, std::string app, std::string identifier)
{
    service_.cancelFor(app, identifier, replyWhenDone(std::move(result)));
}

void ManagerAdaptor::setSystemState(const core::SystemState& state,
                                    const std::map<std::string, std::string>& sources,
                                    const std::vector<std::string>& disabledSources)
{
    if (state == state_ && sources == sources_ && disabledSources == disabledSources_)
        return;
    state_ = state;
    sources_ = sources;
    disabledSources_ = disabledSources;
    getObject().emitPropertiesChangedSignal(INTERFACE_NAME, {"SystemState"});
}

ManagerAdaptor::Dict ManagerAdaptor::SystemState()
{
    return encodeSystemState(state_, sources_, disabledSources_);
}

void ManagerAdaptor::policyChanged(const std::string& app)
{
    emitPolicyChanged(app, encodePolicyView(service_.policyOf(app)));
}

void ManagerAdaptor::publish(const service::TaskEvent& event)
{
    namespace key = api::key;
    Dict details{{key::kKind, std::string(toString(event.kind))}};
    if (event.runId)
        details[key::kTask] = sdbus::ObjectPath(taskObjectPath(event.runId));
    if (!event.reason.empty() || event.outcome)
        details[key::kReason] = event.reason;
    if (event.outcome)
        details[key::kOutcome] = std::string(toString(*event.outcome));
    emitTaskChanged(event.app, event.identifier, std::string(event.event), details);
}

} // namespace bgtask::bus
