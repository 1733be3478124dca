// SPDX-License-Identifier: LGPL-2.1-or-later
// Calls into apps' org.bgtaskd.Handler1 objects: Launch (with the launch window as timeout) and
// Expire. Every call is asynchronous; a proxy lives until its reply has been handled.
#pragma once

#include "core/Run.h"
#include "core/Time.h"

#include <sdbus-c++/IProxy.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace bgtask::launch {

class HandlerClient {
public:
    using Defer = std::function<void(std::function<void()>)>;
    HandlerClient(sdbus::IConnection& connection, core::Duration callTimeout, Defer defer);

    void launch(const std::string& connection, const core::RunningTask& run,
                std::function<void(std::optional<std::string>)> done);
    // done(error): nullopt when the app accepted the call, else "error.name: message".
    void expire(const std::string& connection, const core::RunningTask& run, const std::string& reason,
                std::function<void(std::optional<std::string>)> done);

private:
    std::uint64_t newCall(const std::string& destination);
    void endCall(std::uint64_t id);

    sdbus::IConnection& connection_;
    core::Duration callTimeout_;
    Defer defer_;
    std::map<std::uint64_t, std::unique_ptr<sdbus::IProxy>> calls_;
    std::uint64_t nextCall_ = 1;
};

} // namespace bgtask::launch
