// SPDX-License-Identifier: LGPL-2.1-or-later
#include "bgtask/Manager.h"

#include "BusConnection.h"
#include "ErrorTranslation.h"
#include "Proxies.h"
#include "RecordCodec.h"
#include "Time.h"

namespace bgtask {

// The connection is opened on first use and has no loop thread: every call is a plain
// synchronous round trip.
class Manager::Impl {
public:
    explicit Impl(Bus bus)
        : bus_(bus)
    {
    }

    detail::ManagerProxy& proxy()
    {
        if (!proxy_) {
            connection_ = detail::openConnection(bus_);
            proxy_ = detail::translatingErrors([&] { return std::make_unique<detail::ManagerProxy>(*connection_); });
        }
        return *proxy_;
    }

private:
    Bus bus_;
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
    : impl_(std::make_unique<Impl>(bus))
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

Explanation Manager::explain(const std::string& app, const std::string& identifier)
{
    auto& proxy = impl_->proxy();
    return detail::decodeExplanation(detail::translatingErrors([&] { return proxy.Explain(app, identifier); }));
}

std::vector<AppRecord> Manager::listApps()
{
    auto& proxy = impl_->proxy();
    const auto wire = detail::translatingErrors([&] { return proxy.ListApps(); });
    return decodeAll<AppRecord>(wire, detail::decodeAppRecord);
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

SystemStatus Manager::systemState()
{
    auto& proxy = impl_->proxy();
    return detail::decodeSystemStatus(detail::translatingErrors([&] { return proxy.SystemState(); }));
}

} // namespace bgtask
