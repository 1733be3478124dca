// SPDX-License-Identifier: LGPL-2.1-or-later
#include "UnitFollower.h"

#include "Systemd.h"

#include "service/Log.h"

#include <sdbus-c++/Message.h>
#include <sdbus-c++/Types.h>

#include <algorithm>

namespace bgtask::launch {
namespace {

auto log() { static auto l = service::logger("units"); return l; }

using systemd::kManagerPath;
constexpr const char* kSystemd = systemd::kService;
constexpr const char* kManager = systemd::kManagerInterface;
constexpr const char* kUnit = systemd::kUnitInterface;
constexpr const char* kProperties = "org.freedesktop.DBus.Properties";
constexpr std::size_t kMaxEarlyJobs = 64;

using PropertyMap = std::map<std::string, sdbus::Variant>;

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

UnitFollower::UnitFollower(sdbus::IConnection& connection, core::Duration callTimeout, Defer defer)
    : connection_(connection), callTimeout_(callTimeout), defer_(std::move(defer)),
      manager_(sdbus::createProxy(connection, kSystemd, kManagerPath))
{
    const std::string sender = std::string("type='signal',sender='") + kSystemd + "'";
    jobMatch_ = connection_.addMatch(sender + ",interface='" + kManager + "',member='JobRemoved',path='" +
                                         kManagerPath + "'",
                                     [this](sdbus::Message& m) { onJobRemoved(m); });
    propertiesMatch_ = connection_.addMatch(sender + ",interface='" + kProperties +
                                                "',member='PropertiesChanged',path_namespace='" +
                                                systemd::kUnitPathPrefix + "'",
                                            [this](sdbus::Message& m) { onPropertiesChanged(m); });
    ownerMatch_ = connection_.addMatch("type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',"
                                       "member='NameOwnerChanged',arg0='" + std::string(kSystemd) + "'",
                                       [this](sdbus::Message& m) { onManagerGone(m); });
}

UnitFollower::~UnitFollower() = default;

std::vector<UnitFollower::Key> UnitFollower::keys() const
{
    std::vector<Key> keys;
    for (const auto& [key, unit] : units_)
        keys.push_back(key);
    return keys;
}

std::string UnitFollower::unitPath(Key key) const
{
    const auto it = units_.find(key);
    return it == units_.end() ? std::string() : it->second.unitPath;
}

void UnitFollower::add(Key key, std::string unit)
{
    units_[key] = {std::move(unit), {}, {}, {}, false};
    if (subscribed_)
        return;
    // systemd sends job and unit signals only once some client has subscribed.
    subscribed_ = true;
    manager_->callMethodAsync("Subscribe").onInterface(kManager).withTimeout(callTimeout_).uponReplyInvoke(
        [](const sdbus::Error* error) {
            if (error)
                log()->debug("Subscribe answered {}: {}", error->getName(), error->getMessage());
        });
}

void UnitFollower::started(Key key, const std::string& jobPath)
{
    auto it = units_.find(key);
    if (it == units_.end())
        return;
    it->second.jobPath = jobPath;
    if (auto early = earlyJobResults_.extract(jobPath))
        it->second.facts.jobResult = early.mapped();
    findUnit(key);
}

void UnitFollower::findUnit(Key key)
{
    manager_->callMethodAsync("GetUnit")
        .onInterface(kManager)
        .withTimeout(callTimeout_)
        .withArguments(units_.at(key).unit)
        .uponReplyInvoke([this, key](const sdbus::Error* error, sdbus::ObjectPath path) {
            auto it = units_.find(key);
            if (it == units_.end())
                return;
            if (error) {
                // A unit that is already gone again was garbage-collected after it ended.
                log()->debug("GetUnit {} answered {}: {}", it->second.unit, error->getName(), error->getMessage());
                it->second.facts.activeState = "inactive";
                evaluate(key);
                return;
            }
            it->second.unitPath = path;
            readState(key);
        });
}

// What the unit is now, in case it changed before its path was known.
void UnitFollower::readState(Key key)
{
    auto& followed = units_.at(key);
    followed.reading = 2;
    for (const auto& interface : {std::string(kUnit), core::unitTypeInterface(followed.unit)}) {
        std::uint64_t id = 0;
        call(followed.unitPath, id)
            .callMethodAsync("GetAll")
            .onInterface(kProperties)
            .withTimeout(callTimeout_)
            .withArguments(interface)
            .uponReplyInvoke([this, id, key, interface](const sdbus::Error* error, PropertyMap properties) {
                endCall(id);
                auto it = units_.find(key);
                if (it == units_.end())
                    return;
                --it->second.reading;
                auto& facts = it->second.facts;
                if (!error && interface == kUnit)
                    facts.activeState = stringOf(properties, "ActiveState").value_or(facts.activeState);
                else if (!error)
                    facts.result = stringOf(properties, "Result").value_or(facts.result);
                evaluate(key);
            });
    }
}

void UnitFollower::evaluate(Key key)
{
    auto it = units_.find(key);
    if (it == units_.end() || it->second.ending || it->second.reading > 0)
        return;
    const auto verdict = core::unitVerdict(it->second.facts);
    if (!verdict)
        return;
    it->second.ending = true;
    endWithAccounting(key, *verdict);
}

void UnitFollower::endWithAccounting(Key key, core::UnitVerdict verdict)
{
    const auto& followed = units_.at(key);
    log()->info("{} is {} (result {}, job {})", followed.unit, followed.facts.activeState,
                followed.facts.result.empty() ? "none" : followed.facts.result,
                followed.facts.jobResult.value_or("?"));
    if (followed.unitPath.empty()) {
        if (handlers_.ended)
            handlers_.ended(key, verdict, {{}, {}, {}, {}, verdict.endCause});
        return;
    }
    readAccounting(followed.unitPath, followed.unit,
                   [this, key, verdict](const sdbus::Error* error, core::RunUsage usage) {
                       if (!units_.contains(key))
                           return;
                       if (error)
                           log()->warn("Failed to read the accounting of {}: {}: {}, ignoring", units_.at(key).unit,
                                       error->getName(), error->getMessage());
                       usage.endCause = verdict.endCause;
                       if (handlers_.ended)
                           handlers_.ended(key, verdict, std::move(usage));
                   });
}

void UnitFollower::readUsage(Key key, std::function<void(core::RunUsage)> done)
{
    const auto it = units_.find(key);
    if (it == units_.end() || it->second.unitPath.empty()) {
        done({});
        return;
    }
    readAccounting(it->second.unitPath, it->second.unit,
                   [unit = it->second.unit, done = std::move(done)](const sdbus::Error* error, core::RunUsage usage) {
                       if (error)
                           log()->warn("Failed to read the accounting of {}: {}: {}, ignoring", unit,
                                       error->getName(), error->getMessage());
                       done(std::move(usage));
                   });
}

void UnitFollower::readAccounting(const std::string& path, const std::string& unit,
                                  std::function<void(const sdbus::Error*, core::RunUsage)> done)
{
    std::uint64_t id = 0;
    call(path, id)
        .callMethodAsync("GetAll")
        .onInterface(kProperties)
        .withTimeout(callTimeout_)
        .withArguments(core::unitTypeInterface(unit))
        .uponReplyInvoke([this, id, done = std::move(done)](const sdbus::Error* error, PropertyMap properties) {
            endCall(id);
            core::RunUsage usage;
            if (!error) {
                usage.cpuNsec = counterOf(properties, "CPUUsageNSec");
                usage.memoryPeakBytes = counterOf(properties, "MemoryPeak");
                usage.ioReadBytes = counterOf(properties, "IOReadBytes");
                usage.ioWriteBytes = counterOf(properties, "IOWriteBytes");
            }
            done(error, std::move(usage));
        });
}

void UnitFollower::stop(Key key, const std::string& reason)
{
    auto it = units_.find(key);
    if (it == units_.end())
        return;
    it->second.facts.stopRequested = true;
    it->second.facts.expireReason = reason;
    log()->info("Stopping {} ({})", it->second.unit, reason);
    manager_->callMethodAsync("StopUnit")
        .onInterface(kManager)
        .withTimeout(callTimeout_)
        .withArguments(it->second.unit, std::string("replace"))
        .uponReplyInvoke([unit = it->second.unit](const sdbus::Error* error, sdbus::ObjectPath) {
            if (error)
                log()->warn("Failed to stop {}: {}: {}, ignoring", unit, error->getName(), error->getMessage());
        });
}

void UnitFollower::onJobRemoved(sdbus::Message& message)
{
    std::uint32_t jobId = 0;
    sdbus::ObjectPath job;
    std::string unit;
    std::string result;
    message >> jobId >> job >> unit >> result;
    for (auto& [key, followed] : units_) {
        if (followed.jobPath == job) {
            followed.facts.jobResult = result;
            evaluate(key);
            return;
        }
    }
    // The signal can overtake the start call's reply in our queue: keep it for a unit still waiting.
    for (const auto& [key, followed] : units_)
        if (followed.jobPath.empty() && followed.unit == unit) {
            if (earlyJobResults_.size() >= kMaxEarlyJobs)
                earlyJobResults_.clear();
            earlyJobResults_[job] = result;
            return;
        }
}

void UnitFollower::onPropertiesChanged(sdbus::Message& message)
{
    const std::string path = message.getPath();
    auto it = std::find_if(units_.begin(), units_.end(), [&](const auto& entry) { return entry.second.unitPath == path; });
    if (it == units_.end())
        return;
    std::string interface;
    PropertyMap changed;
    message >> interface >> changed;
    auto& facts = it->second.facts;
    if (interface == kUnit)
        facts.activeState = stringOf(changed, "ActiveState").value_or(facts.activeState);
    else if (interface == core::unitTypeInterface(it->second.unit))
        facts.result = stringOf(changed, "Result").value_or(facts.result);
    else
        return;
    evaluate(it->first);
}

void UnitFollower::onManagerGone(sdbus::Message& message)
{
    std::string name;
    std::string oldOwner;
    std::string newOwner;
    message >> name >> oldOwner >> newOwner;
    if (!newOwner.empty() || units_.empty())
        return;
    log()->warn("The service manager left the bus; {} unit(s) can no longer be followed", units_.size());
    const auto lost = keys();
    if (handlers_.managerLost)
        handlers_.managerLost(lost);
}

sdbus::IProxy& UnitFollower::call(const std::string& path, std::uint64_t& id)
{
    id = nextCall_++;
    auto& proxy = calls_[id];
    proxy = sdbus::createProxy(connection_, kSystemd, path);
    return *proxy;
}

void UnitFollower::endCall(std::uint64_t id)
{
    // The reply handler runs inside the proxy; destroy it on the next loop turn.
    auto node = calls_.extract(id);
    if (node.empty())
        return;
    auto proxy = std::shared_ptr<sdbus::IProxy>(std::move(node.mapped()));
    defer_([proxy]() mutable { proxy.reset(); });
}

} // namespace bgtask::launch
