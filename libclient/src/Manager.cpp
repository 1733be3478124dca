// SPDX-License-Identifier: LGPL-2.1-or-later
#include "bgtask/Manager.h"

#include "BusConnection.h"
#include "ErrorTranslation.h"
#include "Proxies.h"
#include "RecordCodec.h"
#include "Time.h"

#include <bgtask-api/Names.h>
#include <bgtask-api/OptionKeys.h>

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <exception>

namespace bgtask {

// The connection is opened on first use and has no loop thread: every call is a plain
// synchronous round trip.
class Manager::Impl {
public:
    Impl(Bus bus, const ManagerOptions& options)
        : bus_(bus), options_(options)
    {
    }

    Bus bus() const { return bus_; }

    detail::ManagerProxy& proxy()
    {
        if (!proxy_) {
            auto connection = detail::openConnection(bus_);
            if (options_.callTimeout.count() > 0)
                connection->setMethodCallTimeout(options_.callTimeout);
            if (!options_.activate && !detail::nameHasOwner(*connection, api::kBusName))
                throw SchedulerError(SchedulerError::Code::NoScheduler, "not-running",
                                     "bgtaskd is not running on the " + std::string(detail::describe(bus_)) +
                                         " (and was not started: activation is off)");
            connection_ = std::move(connection);
            proxy_ = detail::translatingErrors([&] { return std::make_unique<detail::ManagerProxy>(*connection_); });
        }
        return *proxy_;
    }

private:
    Bus bus_;
    ManagerOptions options_;
    std::unique_ptr<sdbus::IConnection> connection_;
    std::unique_ptr<detail::ManagerProxy> proxy_;
};

namespace {

template <typename Record, typename Decode>
std::vector<Record> decodeAll(const std::vector<detail::VariantMap>& wire, Decode decode)
{
    std::vector<Record> records;
    records.reserve(wire.size());
    for (const auto& entry : wire)
        records.push_back(decode(entry));
    return records;
}

} // namespace

Manager::Manager(Bus bus)
    : impl_(std::make_unique<Impl>(bus, ManagerOptions{}))
{
}

Manager::Manager(Bus bus, const ManagerOptions& options)
    : impl_(std::make_unique<Impl>(bus, options))
{
}

Manager::~Manager() = default;
Manager::Manager(Manager&&) noexcept = default;
Manager& Manager::operator=(Manager&&) noexcept = default;

std::vector<RequestRecord> Manager::listRequests()
{
    auto& proxy = impl_->proxy();
    const auto wire = detail::translatingErrors([&] { return proxy.ListRequests(); });
    return decodeAll<RequestRecord>(wire, detail::decodeRequestRecord);
}

std::vector<RunningTaskRecord> Manager::listRunningTasks()
{
    auto& proxy = impl_->proxy();
    const auto wire = detail::translatingErrors([&] { return proxy.ListRunningTasks(); });
    return decodeAll<RunningTaskRecord>(wire, detail::decodeRunningTaskRecord);
}

std::vector<HistoryRecord> Manager::history(const HistoryFilter& filter)
{
    auto& proxy = impl_->proxy();
    const auto wire = detail::translatingErrors([&] { return proxy.GetHistory(detail::encodeHistoryFilter(filter)); });
    return decodeAll<HistoryRecord>(wire, detail::decodeHistoryRecord);
}

void Manager::runNow(const std::string& app, const std::string& identifier)
{
    auto& proxy = impl_->proxy();
    detail::translatingErrors([&] { proxy.RunNow(app, identifier); });
}

void Manager::cancel(const std::string& app, const std::string& identifier)
{
    auto& proxy = impl_->proxy();
    detail::translatingErrors([&] { proxy.Cancel(app, identifier); });
}

std::string Manager::version()
{
    auto& proxy = impl_->proxy();
    return detail::translatingErrors([&] { return proxy.Version(); });
}

std::optional<TimePoint> Manager::startedAt()
{
    auto& proxy = impl_->proxy();
    return detail::optionalFromMicros(detail::translatingErrors([&] { return proxy.StartedAt(); }));
}

void Manager::expire(const std::string& app, const std::string& identifier)
{
    auto& proxy = impl_->proxy();
    detail::translatingErrors([&] { proxy.Expire(app, identifier); });
}

void Manager::forgetUsage(const std::string& app)
{
    auto& proxy = impl_->proxy();
    detail::translatingErrors([&] { proxy.ForgetUsage(app); });
}

Explanation Manager::explain(const std::string& app, const std::string& identifier)
{
    auto& proxy = impl_->proxy();
    return detail::decodeExplanation(detail::translatingErrors([&] { return proxy.Explain(app, identifier); }));
}

std::vector<ScheduleRecord> Manager::listSchedules()
{
    auto& proxy = impl_->proxy();
    const auto wire = detail::translatingErrors([&] { return proxy.ListSchedules(); });
    return decodeAll<ScheduleRecord>(wire, detail::decodeScheduleRecord);
}

Simulation Manager::simulate(const SimulationRequest& request)
{
    auto& proxy = impl_->proxy();
    const auto [wire, truncated] = detail::translatingErrors(
        [&] { return proxy.Simulate(detail::encodeSimulationRequest(request)); });
    return {decodeAll<SimulationEvent>(wire, detail::decodeSimulationEvent), truncated};
}

std::vector<AppRecord> Manager::listApps()
{
    auto& proxy = impl_->proxy();
    const auto wire = detail::translatingErrors([&] { return proxy.ListApps(); });
    return decodeAll<AppRecord>(wire, detail::decodeAppRecord);
}

AppPolicy Manager::policy(const std::string& app)
{
    auto& proxy = impl_->proxy();
    return detail::decodeAppPolicy(detail::translatingErrors([&] { return proxy.GetPolicy(app); }));
}

void Manager::setPolicy(const std::string& app, PolicySetting setting, bool enabled)
{
    auto& proxy = impl_->proxy();
    const std::string name(toString(setting));
    detail::translatingErrors([&] { proxy.SetPolicy(app, name, enabled); });
}

std::string_view toString(PolicySetting setting) noexcept
{
    switch (setting) {
    case PolicySetting::Refresh: return "refresh";
    case PolicySetting::Continued: return "continued";
    }
    return "unknown";
}

std::vector<ManifestProblem> Manager::manifestProblems()
{
    auto& proxy = impl_->proxy();
    const auto wire = detail::translatingErrors([&] { return proxy.GetManifestProblems(); });
    std::vector<ManifestProblem> problems;
    for (const auto& p : wire)
        problems.push_back({p.get<0>(), p.get<1>(), p.get<2>(), p.get<3>()});
    return problems;
}

namespace {

ManagerEvent taskEvent(const std::string& app, const std::string& identifier, const std::string& event,
                       const detail::VariantMap& details)
{
    namespace key = api::key;
    ManagerEvent e;
    e.type = ManagerEvent::Type::TaskChanged;
    e.app = app;
    e.identifier = identifier;
    e.event = event;
    e.kind = detail::lookupOr<std::string>(details, key::kKind, {});
    if (auto path = detail::lookup<sdbus::ObjectPath>(details, key::kTask))
        e.task = std::move(*path);
    e.outcome = detail::lookupOr<std::string>(details, key::kOutcome, {});
    e.reason = detail::lookupOr<std::string>(details, key::kReason, {});
    return e;
}

ManagerEvent stateEvent(SystemStatus state)
{
    ManagerEvent e;
    e.type = ManagerEvent::Type::SystemState;
    e.systemState = std::move(state);
    return e;
}

// Waits up to 100 ms (less when sd-bus has a timeout due) for the connection's socket.
void waitForTraffic(sdbus::IConnection& connection)
{
    using namespace std::chrono;
    const auto data = connection.getEventLoopPollData();
    int timeoutMs = 100;
    if (data.timeout_usec != UINT64_MAX) {
        const auto nowUsec = duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count();
        const auto left = static_cast<std::int64_t>(data.timeout_usec) - nowUsec;
        timeoutMs = static_cast<int>(std::clamp<std::int64_t>((left + 999) / 1000, 0, 100));
    }
    pollfd fd{data.fd, data.events, 0};
    ::poll(&fd, 1, timeoutMs);   // EINTR (a signal) is fine: the caller checks shouldStop
}

} // namespace

void Manager::monitor(const std::function<bool(const ManagerEvent&)>& onEvent,
                      const std::function<bool()>& shouldStop)
{
    auto connection = detail::openConnection(impl_->bus());
    bool stop = false;
    std::exception_ptr failure;
    auto deliver = [&](const ManagerEvent& event) {
        if (stop)
            return;
        try {
            stop = !onEvent(event);
        } catch (...) {
            failure = std::current_exception();
            stop = true;
        }
    };
    auto& calls = impl_->proxy();
    auto signals = detail::translatingErrors([&] {
        auto proxy = sdbus::createProxy(*connection, api::kBusName, api::kObjectPath);
        proxy->uponSignal("TaskChanged").onInterface(api::kManagerInterface).call(
            [&](const std::string& app, const std::string& identifier, const std::string& event,
                const detail::VariantMap& details) { deliver(taskEvent(app, identifier, event, details)); });
        proxy->uponSignal("PolicyChanged").onInterface(api::kManagerInterface).call(
            [&](const std::string& app, const detail::VariantMap& policy) {
                ManagerEvent e;
                e.type = ManagerEvent::Type::PolicyChanged;
                e.app = app;
                e.policy = detail::decodeAppPolicy(policy);
                deliver(e);
            });
        proxy->uponSignal("PropertiesChanged").onInterface("org.freedesktop.DBus.Properties").call(
            [&](const std::string& interface, const detail::VariantMap& changed,
                const std::vector<std::string>& invalidated) {
                if (interface != api::kManagerInterface || stop)
                    return;
                try {
                    if (auto state = detail::lookup<detail::VariantMap>(changed, "SystemState"))
                        deliver(stateEvent(detail::decodeSystemStatus(*state)));
                    else if (std::find(invalidated.begin(), invalidated.end(), "SystemState") != invalidated.end())
                        deliver(stateEvent(detail::translatingErrors([&] {
                            return detail::decodeSystemStatus(calls.SystemState());
                        })));
                } catch (...) {
                    failure = std::current_exception();
                    stop = true;
                }
            });
        proxy->finishRegistration();   // the match rules are in place when this returns
        // bgtaskd emits TaskChanged only while someone is subscribed; this connection's
        // subscription ends when it closes. A bgtaskd older than Subscribe always emits.
        try {
            auto subscribe = proxy->createMethodCall(api::kManagerInterface, "Subscribe");
            proxy->callMethod(subscribe);
        } catch (const sdbus::Error& e) {
            if (e.getName() != "org.freedesktop.DBus.Error.UnknownMethod")
                throw;
        }
        return proxy;
    });
    deliver(stateEvent(systemState()));
    while (!stop && !(shouldStop && shouldStop())) {
        const bool processed = detail::translatingErrors([&] { return connection->processPendingRequest(); });
        if (!processed)
            waitForTraffic(*connection);
    }
    signals.reset();
    if (failure)
        std::rethrow_exception(failure);
}

SystemStatus Manager::systemState()
{
    auto& proxy = impl_->proxy();
    return detail::decodeSystemStatus(detail::translatingErrors([&] { return proxy.SystemState(); }));
}

} // namespace bgtask
