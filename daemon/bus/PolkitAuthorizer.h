// SPDX-License-Identifier: LGPL-2.1-or-later
// The system instance's Authorizer. A caller is allowed when it asks about its own app (observe
// only: its connection owns that app's bus name), when it is root, or when polkit grants the
// action (org.bgtaskd.observe, org.bgtaskd.manage) to its bus name; without an answer from polkit
// only root is allowed. Every step is an asynchronous call with an explicit timeout: the bus
// daemon for the caller's uid, then polkit's CheckAuthorization (AllowUserInteraction, so an
// agent in the caller's session may ask for a password). Owns its two proxies; borrows the
// connection and the "acts for this app" question, which the service answers.
#pragma once

#include "Authorizer.h"

#include "core/Time.h"

#include <sdbus-c++/IProxy.h>

#include <cstdint>
#include <memory>

namespace bgtask::bus {

inline constexpr const char* kObserveAction = "org.bgtaskd.observe";
inline constexpr const char* kManageAction = "org.bgtaskd.manage";

class PolkitAuthorizer final : public Authorizer {
public:
    // Whether the caller (a unique name) currently acts for the app (owns its bus name).
    using ActsFor = std::function<bool(const std::string& caller, const std::string& app)>;

    PolkitAuthorizer(sdbus::IConnection& connection, ActsFor actsFor, core::Duration timeout);
    ~PolkitAuthorizer() override;

    void check(const AccessRequest& request, Decision decision) override;

private:
    void askPolkit(const AccessRequest& request, std::uint32_t uid, Decision decision);
    // polkit did not answer in time: withdraw the check, so no dialog lingers.
    void cancel(const std::string& cancellationId);

    std::unique_ptr<sdbus::IProxy> bus_;      // org.freedesktop.DBus: who the caller is
    std::unique_ptr<sdbus::IProxy> polkit_;   // org.freedesktop.PolicyKit1's Authority
    ActsFor actsFor_;
    core::Duration timeout_;
    std::uint64_t nextCheck_ = 1;
};

} // namespace bgtask::bus
