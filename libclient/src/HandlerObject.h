// SPDX-License-Identifier: LGPL-2.1-or-later
// The app's org.bgtaskd.Handler1 object at /org/bgtaskd/Handler: decodes Launch and Expire,
// asks its sink what to do, replies, and only then runs the sink's follow-up, so that the
// scheduler gets its answer before any app code runs. Owns the sdbus object, borrows the
// connection and the sink.
//
// Registered by hand with sdbus-c++'s asynchronous-method form instead of the generated
// Handler1_adaptor: the generated adaptor replies only after the handler returns, and sdbus-c++
// 1.2 has no way to post work to the loop after the reply.
#pragma once

#include "VariantMap.h"

#include <bgtask/TaskRequest.h>

#include <sdbus-c++/sdbus-c++.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bgtask::detail {

struct LaunchCall {
    std::string task;  // object path of the org.bgtaskd.Task1
    std::string identifier;
    std::string kind;
    std::optional<TimePoint> deadline;
    bool simulated = false;
    // Continued processing, once bgtaskd sends them (proposed Launch info keys Title, Subtitle).
    std::optional<std::string> title;
    std::optional<std::string> subtitle;
    // Info key Checkpoint: what an earlier run of the identifier saved; empty when none.
    std::vector<std::uint8_t> checkpoint;
};

class HandlerSink {
public:
    // Each returns the work to run after the reply is sent, or throws SchedulerError to refuse.
    virtual std::function<void()> onLaunch(LaunchCall call) = 0;
    virtual std::function<void()> onExpire(const std::string& task, std::string reason) = 0;
    // Whether a caller's unique name is bgtaskd's (the owner of org.bgtaskd).
    virtual bool isFromScheduler(const std::string& sender) = 0;

protected:
    ~HandlerSink() = default;
};

class HandlerObject {
public:
    HandlerObject(sdbus::IConnection& connection, HandlerSink& sink);
    ~HandlerObject();
    HandlerObject(const HandlerObject&) = delete;
    HandlerObject& operator=(const HandlerObject&) = delete;

private:
    void answer(const sdbus::Result<>& result, const std::function<std::function<void()>()>& decide);

    HandlerSink& sink_;
    std::unique_ptr<sdbus::IObject> object_;
};

} // namespace bgtask::detail
