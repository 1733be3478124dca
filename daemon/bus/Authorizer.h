// SPDX-License-Identifier: LGPL-2.1-or-later
// Who may use Manager1: before the adaptor calls the service, it asks an Authorizer whether the
// caller may observe (read other services' requests, runs, history, apps and policy) or manage
// (change policy, run, expire and cancel on an app's behalf), and answers once the decision
// arrives, at once or later (polkit). Implementations own how they decide and borrow nothing
// from the adaptor: SessionAuthorizer (the per-user instance) and PolkitAuthorizer (the system one).
#pragma once

#include "core/Error.h"

#include <functional>
#include <string>

namespace bgtask::bus {

enum class Access {
    Observe,   // read: ListRequests, ListRunningTasks, GetHistory, Explain, ListApps, GetPolicy, …
    Manage,    // change: SetPolicy, RunNow, Expire, Cancel, ForgetUsage
};

struct AccessRequest {
    std::string caller;   // the sender's unique bus name
    Access access = Access::Observe;
    std::string app;      // the one app the call is about; "" when it is about every app
};

class Authorizer {
public:
    // denied == nullptr: allowed; otherwise the AccessDenied error to answer with. Called at most
    // once, possibly before check() returns, never after the authorizer is destroyed.
    using Decision = std::function<void(const core::Error* denied)>;

    virtual ~Authorizer() = default;
    virtual void check(const AccessRequest& request, Decision decision) = 0;
};

} // namespace bgtask::bus
