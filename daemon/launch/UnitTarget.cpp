// SPDX-License-Identifier: LGPL-2.1-or-later
#include "UnitTarget.h"

#include "service/Log.h"
#include "service/ManifestRegistry.h"
#include "service/RunController.h"

#include <sdbus-c++/Message.h>
#include <sdbus-c++/Types.h>

#include <vector>

namespace bgtask::launch {
namespace {

auto log() { static auto l = service::logger("units"); return l; }

constexpr const char* kSystemd = "org.freedesktop.systemd1";
constexpr const char* kManagerPath = "/org/freedesktop/systemd1";
constexpr const char* kManager = "org.freedesktop.systemd1.Manager";
constexpr const char* kUnit = "org.freedesktop.systemd1.Unit";
constexpr const char* kProperties = "org.freedesktop.DBus.Properties";
constexpr std::size_t kMaxEarlyJobs = 64;

using PropertyMap = std::map<std::string, sdbus::Variant>;

// The typed sub-reason of a unit that could not be started.
std::string startFailure(const sdbus::Error& error, const std::string& unit)
{
    const auto& name = error.getName();
    const std::string detail = unit + ": " + name + ": " + error.getMessage();
    if (name == "org.freedesktop.DBus.Error.ServiceUnknown" || name == "org.freedesktop.DBus.Error.NameHasNoOwner")
        return "no-systemd: no service manager answers on this bus for " + detail;
    if (name == "org.freedesktop.systemd1.NoSuchUnit" || name == "org.freedesktop.systemd1.LoadFailed")
        return "no-such-unit: " + detail;
    return "unit-start-failed: " + detail;
}

std::optional<std::string> stringOf(const PropertyMap& properties, const char* key)
{
    const auto it = properties.find(key);
    if (it == properties.end() || !it->second.containsValueOfType<std::string>())
        return std::nullopt;
    return it->second.get<std::string>();
}

std::optional<std::int64_t> counterOf(const PropertyMap& properties, const char* key)
{
    const auto it = properties.find(key);
    if (it == properties.end() || !it->second.containsValueOfType<std::uint64_t>())
        return std::nullopt;
    return core::accountingValue(it->second.get<std::uint64_t>());
}

} // namespace

UnitTarget::UnitTarget(sdbus::IConnection& connection, service::LaunchContext context,
                       core::Duration callTimeout, Defer defer)
    : connection_(connection), context_(context), callTimeout_(callTimeout), defer_(std::move(defer)),
      manager_(sdbus::createProxy(connection, kSystemd, kManagerPath))
{
    const std::string sender = std::string("type='signal',sender='") + kSystemd + "'";
    jobMatch_ = connection_.addMatch(sender + ",interface='" + kManager + "',member='JobRemoved',path='" +
                                         kManagerPath + "'",
                                     [this](sdbus::Message& m) { onJobRemoved(m); });
    propertiesMatch_ = connection_.addMatch(sender + ",interface='" + kProperties +
                                                "',member='PropertiesChanged',path_namespace='" +
                                                kManagerPath + "/unit'",
                                            [this](sdbus::Message& m) { onPropertiesChanged(m); });
    ownerMatch_ = connection_.addMatch("type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',"
                                       "member='NameOwnerChanged',arg0='" + std::string(kSystemd) + "'",
                                       [this](sdbus::Message& m) { onManagerGone(m); });
}

UnitTarget::~UnitTarget() = default;

void UnitTarget::start(const service::ActiveRun& run)
{
    const auto id = run.task.runId;
    const auto* manifest = context_.manifests.byId(run.task.request.app);
    if (!manifest || !manifest->unit) {
        context_.reports.ended(id, core::Outcome::LaunchFailed,
                               "no-manifest: app " + run.task.request.app + " no longer names a unit");
        return;
    }
    const std::string unit = *manifest->unit;
    runs_[id] = {unit, {}, {}, {}, false};
    if (!subscribed_) {
        // systemd sends job and unit signals only once some client has subscribed.
        subscribed_ = true;
        manager_->callMethodAsync("Subscribe").onInterface(kManager).withTimeout(callTimeout_).uponReplyInvoke(
            [](const sdbus::Error* error) {
                if (error)
                    log()->debug("Subscribe answered {}: {}", error->getName(), error->getMessage());
            });
    }
    log()->info("Run {}: starting {}", id, unit);
    manager_->callMethodAsync("StartUnit")
        .onInterface(kManager)
        .withTimeout(callTimeout_)
        .withArguments(unit, std::string("replace"))
        .uponReplyInvoke([this, id](const sdbus::Error* error, sdbus::ObjectPath job) {
            startReplied(id, error, job);
        });
}

void UnitTarget::startReplied(std::int64_t runId, const sdbus::Error* error, const std::string& jobPath)
{
    auto it = runs_.find(runId);
    if (it == runs_.end())
        return;
    if (error) {
        const auto reason = startFailure(*error, it->second.unit);
        log()->warn("Failed to start {}: {}", it->second.unit, reason);
        context_.reports.ended(runId, core::Outcome::LaunchFailed, reason);
        return;
    }
    it->second.jobPath = jobPath;
    if (auto early = earlyJobResults_.extract(jobPath))
        it->second.facts.jobResult = early.mapped();
    if (!context_.reports.delivered(runId, "", false))
        return;
    context_.reports.running(runId);
    follow(runId);
}

void UnitTarget::follow(std::int64_t runId)
{
    manager_->callMethodAsync("GetUnit")
        .onInterface(kManager)
        .withTimeout(callTimeout_)
        .withArguments(runs_.at(runId).unit)
        .uponReplyInvoke([this, runId](const sdbus::Error* error, sdbus::ObjectPath path) {
            auto it = runs_.find(runId);
            if (it == runs_.end())
                return;
            if (error) {
                // A unit that is already gone again was garbage-collected after it ended.
                log()->debug("GetUnit {} answered {}: {}", it->second.unit, error->getName(), error->getMessage());
                it->second.facts.activeState = "inactive";
                evaluate(runId);
                return;
            }
            it->second.unitPath = path;
            readState(runId);
        });
}

// What the unit is now, in case it changed before its path was known.
void UnitTarget::readState(std::int64_t runId)
{
    const auto& run = runs_.at(runId);
    for (const auto& interface : {std::string(kUnit), core::unitTypeInterface(run.unit)}) {
        std::uint64_t id = 0;
        call(run.unitPath, id)
            .callMethodAsync("GetAll")
            .onInterface(kProperties)
            .withTimeout(callTimeout_)
            .withArguments(interface)
            .uponReplyInvoke([this, id, runId, interface](const sdbus::Error* error, PropertyMap properties) {
                endCall(id);
                auto it = runs_.find(runId);
                if (it == runs_.end() || error)
                    return;
                auto& facts = it->second.facts;
                if (interface == kUnit)
                    facts.activeState = stringOf(properties, "ActiveState").value_or(facts.activeState);
                else
                    facts.result = stringOf(properties, "Result").value_or(facts.result);
                evaluate(runId);
            });
    }
}

void UnitTarget::evaluate(std::int64_t runId)
{
    auto it = runs_.find(runId);
    if (it == runs_.end() || it->second.ending)
        return;
    const auto verdict = core::unitVerdict(it->second.facts);
    if (!verdict)
        return;
    it->second.ending = true;
    endWithAccounting(runId, *verdict);
}

void UnitTarget::endWithAccounting(std::int64_t runId, core::UnitVerdict verdict)
{
    const auto& run = runs_.at(runId);
    log()->info("Run {}: {} is {} (result {}, job {})", runId, run.unit, run.facts.activeState,
                run.facts.result.empty() ? "none" : run.facts.result, run.facts.jobResult.value_or("?"));
    if (run.unitPath.empty()) {
        context_.reports.ended(runId, verdict.outcome, verdict.reason, {{}, {}, {}, {}, verdict.endCause});
        return;
    }
    std::uint64_t id = 0;
    call(run.unitPath, id)
        .callMethodAsync("GetAll")
        .onInterface(kProperties)
        .withTimeout(callTimeout_)
        .withArguments(core::unitTypeInterface(run.unit))
        .uponReplyInvoke([this, id, runId, verdict](const sdbus::Error* error, PropertyMap properties) {
            endCall(id);
            core::RunUsage usage;
            usage.endCause = verdict.endCause;
            if (error) {
                log()->warn("Failed to read the accounting of run {}: {}: {}, ignoring", runId,
                            error->getName(), error->getMessage());
            } else {
                usage.cpuNsec = counterOf(properties, "CPUUsageNSec");
                usage.memoryPeakBytes = counterOf(properties, "MemoryPeak");
                usage.ioReadBytes = counterOf(properties, "IOReadBytes");
                usage.ioWriteBytes = counterOf(properties, "IOWriteBytes");
            }
            context_.reports.ended(runId, verdict.outcome, verdict.reason, std::move(usage));
        });
}

void UnitTarget::expire(const service::ActiveRun& run, const std::string& reason)
{
    auto it = runs_.find(run.task.runId);
    if (it == runs_.end())
        return;
    it->second.facts.stopRequested = true;
    it->second.facts.expireReason = reason;
    log()->info("Run {}: stopping {} ({})", run.task.runId, it->second.unit, reason);
    manager_->callMethodAsync("StopUnit")
        .onInterface(kManager)
        .withTimeout(callTimeout_)
        .withArguments(it->second.unit, std::string("replace"))
        .uponReplyInvoke([unit = it->second.unit](const sdbus::Error* error, sdbus::ObjectPath) {
            if (error)
                log()->warn("Failed to stop {}: {}: {}, ignoring", unit, error->getName(), error->getMessage());
        });
}

void UnitTarget::stop(const service::ActiveRun& run)
{
    const auto it = runs_.find(run.task.runId);
    log()->info("Run {}: grace period over; {}'s own TimeoutStopSec= governs the rest of the stop",
                run.task.runId, it == runs_.end() ? "the unit" : it->second.unit);
    context_.reports.stopDelegated(run.task.runId);
}

void UnitTarget::onJobRemoved(sdbus::Message& message)
{
    std::uint32_t jobId = 0;
    sdbus::ObjectPath job;
    std::string unit;
    std::string result;
    message >> jobId >> job >> unit >> result;
    for (auto& [runId, run] : runs_) {
        if (run.jobPath == job) {
            run.facts.jobResult = result;
            evaluate(runId);
            return;
        }
    }
    // The signal can overtake StartUnit's reply in our queue: keep it for a run still waiting.
    for (const auto& [runId, run] : runs_)
        if (run.jobPath.empty() && run.unit == unit) {
            if (earlyJobResults_.size() >= kMaxEarlyJobs)
                earlyJobResults_.clear();
            earlyJobResults_[job] = result;
            return;
        }
}

UnitTarget::UnitRun* UnitTarget::byUnitPath(const std::string& path)
{
    for (auto& [runId, run] : runs_)
        if (run.unitPath == path)
            return &run;
    return nullptr;
}

void UnitTarget::onPropertiesChanged(sdbus::Message& message)
{
    auto* run = byUnitPath(message.getPath());
    if (!run)
        return;
    std::string interface;
    PropertyMap changed;
    message >> interface >> changed;
    if (interface == kUnit)
        run->facts.activeState = stringOf(changed, "ActiveState").value_or(run->facts.activeState);
    else if (interface == core::unitTypeInterface(run->unit))
        run->facts.result = stringOf(changed, "Result").value_or(run->facts.result);
    else
        return;
    for (auto& [runId, candidate] : runs_)
        if (&candidate == run)
            return evaluate(runId);
}

void UnitTarget::onManagerGone(sdbus::Message& message)
{
    std::string name;
    std::string oldOwner;
    std::string newOwner;
    message >> name >> oldOwner >> newOwner;
    if (!newOwner.empty() || runs_.empty())
        return;
    log()->warn("The service manager left the bus; {} unit run(s) can no longer be followed", runs_.size());
    std::vector<std::int64_t> lost;
    for (const auto& [runId, run] : runs_)
        lost.push_back(runId);
    for (auto runId : lost)
        context_.reports.ended(runId, core::Outcome::Failed,
                               "unit-manager-lost: the service manager left the bus during the run");
}

sdbus::IProxy& UnitTarget::call(const std::string& path, std::uint64_t& id)
{
    id = nextCall_++;
    auto& proxy = calls_[id];
    proxy = sdbus::createProxy(connection_, kSystemd, path);
    return *proxy;
}

void UnitTarget::endCall(std::uint64_t id)
{
    // The reply handler runs inside the proxy; destroy it on the next loop turn.
    auto node = calls_.extract(id);
    if (node.empty())
        return;
    auto proxy = std::shared_ptr<sdbus::IProxy>(std::move(node.mapped()));
    defer_([proxy]() mutable { proxy.reset(); });
}

} // namespace bgtask::launch
