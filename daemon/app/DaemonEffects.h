// SPDX-License-Identifier: LGPL-2.1-or-later
// The real implementation of service::Effects: the system clock, the event loop's deferred call
// and wall timer, and the bus pieces. Borrows all of them; the bus-side pieces are bound after
// construction because they need the service that needs these effects.
#pragma once

#include "EventLoop.h"

#include "bus/ManagerAdaptor.h"
#include "bus/TaskObjects.h"
#include "service/Effects.h"

namespace bgtask::app {

class DaemonEffects final : public service::Effects {
public:
    DaemonEffects(Deferred& plan, WallTimer& timer);

    // Notifications go where the composition root says (nowhere without a session bus).
    struct Notifications {
        std::function<void(const service::TaskNotification&)> show;
        std::function<void(const std::string& app, const std::string& identifier)> close;
    };

    void bind(bus::TaskObjects& tasks, bus::ManagerAdaptor& manager);
    void bindNotifications(Notifications notifications) { notifications_ = std::move(notifications); }

    core::TimePoint now() override;
    void requestPlan() override { plan_.schedule(); }
    void armWakeup(std::optional<core::TimePoint> at) override { timer_.arm(at); }
    void publishTask(const core::RunningTask& run) override;
    void withdrawTask(std::int64_t runId) override;
    void emitTaskChanged(const service::TaskEvent& event) override;
    void updateTask(std::int64_t runId, const service::TaskProgress& progress) override;
    void showNotification(const service::TaskNotification& notification) override;
    void closeNotification(const std::string& app, const std::string& identifier) override;
    void emitPolicyChanged(const std::string& app) override;

private:
    Deferred& plan_;
    WallTimer& timer_;
    bus::TaskObjects* tasks_ = nullptr;
    bus::ManagerAdaptor* manager_ = nullptr;
    Notifications notifications_;
};

} // namespace bgtask::app
