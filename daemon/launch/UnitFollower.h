// SPDX-License-Identifier: LGPL-2.1-or-later
// Follows systemd units for the launch targets whose tasks run in one: the unit target (a
// manifest's Unit=) and the transient units Exec= apps start in. Talks to the service manager of
// the daemon's bus (org.freedesktop.systemd1: the system manager for --system, the user manager
// for a per-user instance): subscribes once, keeps a start job's JobRemoved (also one heard
// before the start call answered), finds the unit's object with GetUnit, follows its
// ActiveState and Result through PropertiesChanged, and once core::unitVerdict has a verdict
// reads the unit's accounting (CPUUsageNSec, MemoryPeak, IO counters) and reports both. Stops
// units with StopUnit, never a signal. Each unit is followed under a key its user chooses (the
// unit target's run id; the activator's own key per transient unit). Owns the manager proxy, the signal subscriptions and one proxy per call in flight;
// borrows the connection.
#pragma once

#include "core/RunUsage.h"
#include "core/Time.h"
#include "core/UnitOutcome.h"

#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/IProxy.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace bgtask::launch {

class UnitFollower {
public:
    using Key = std::int64_t;
    using Defer = std::function<void(std::function<void()>)>;
    struct Handlers {
        // The unit is inactive or failed and its start job is gone: the verdict, with the
        // accounting read then (nothing where it could not be read). The key is still followed
        // until forget().
        std::function<void(Key, const core::UnitVerdict&, core::RunUsage)> ended;
        // The service manager left the bus: these keys can no longer be followed.
        std::function<void(const std::vector<Key>&)> managerLost;
    };

    UnitFollower(sdbus::IConnection& connection, core::Duration callTimeout, Defer defer);
    ~UnitFollower();
    UnitFollower(const UnitFollower&) = delete;
    UnitFollower& operator=(const UnitFollower&) = delete;

    void setHandlers(Handlers handlers) { handlers_ = std::move(handlers); }
    // The manager's proxy, for the calls that start units (StartUnit, StartTransientUnit) and
    // GetUnitByPID; replies come back on the loop like every other.
    sdbus::IProxy& manager() { return *manager_; }
    core::Duration callTimeout() const { return callTimeout_; }

    // Follows `unit` under `key`, before its start call is sent (so that a JobRemoved that
    // overtakes the call's reply is kept). Subscribes to the manager's signals the first time.
    void add(Key key, std::string unit);
    // The start call answered: follows its job, then the unit's object.
    void started(Key key, const std::string& jobPath);
    // StopUnit(unit, "replace"); the verdict then carries `reason` (core::unitVerdict).
    void stop(Key key, const std::string& reason);
    // The unit's accounting now, for a task that ends while its unit goes on; done({}) when the
    // unit's object is not known or the read fails.
    void readUsage(Key key, std::function<void(core::RunUsage)> done);
    void forget(Key key) { units_.erase(key); }
    bool follows(Key key) const { return units_.contains(key); }
    // The unit's object path once GetUnit answered, else "".
    std::string unitPath(Key key) const;
    std::vector<Key> keys() const;

private:
    struct Followed {
        std::string unit;
        std::string jobPath;    // the start job, once the start call answered
        std::string unitPath;   // once GetUnit answered
        core::UnitFacts facts;
        bool ending = false;    // the verdict is in; the accounting is being read
        int reading = 0;        // GetAll replies still awaited: no verdict on half the state
    };

    void findUnit(Key key);
    void readState(Key key);
    void evaluate(Key key);
    void endWithAccounting(Key key, core::UnitVerdict verdict);
    void readAccounting(const std::string& path, const std::string& unit,
                        std::function<void(const sdbus::Error*, core::RunUsage)> done);
    void onJobRemoved(sdbus::Message& message);
    void onPropertiesChanged(sdbus::Message& message);
    void onManagerGone(sdbus::Message& message);

    // One proxy per call on a unit's object, destroyed on the next loop turn after its reply.
    sdbus::IProxy& call(const std::string& path, std::uint64_t& id);
    void endCall(std::uint64_t id);

    sdbus::IConnection& connection_;
    core::Duration callTimeout_;
    Defer defer_;
    Handlers handlers_;
    std::unique_ptr<sdbus::IProxy> manager_;
    sdbus::Slot jobMatch_;
    sdbus::Slot propertiesMatch_;
    sdbus::Slot ownerMatch_;
    bool subscribed_ = false;
    std::map<Key, Followed> units_;
    std::map<std::string, std::string> earlyJobResults_;   // job path → result, heard before the start reply
    std::map<std::uint64_t, std::unique_ptr<sdbus::IProxy>> calls_;
    std::uint64_t nextCall_ = 1;
};

} // namespace bgtask::launch
