// SPDX-License-Identifier: LGPL-2.1-or-later
#include "PolkitAuthorizer.h"

#include "service/Log.h"

#include <map>
#include <tuple>
#include <utility>

namespace bgtask::bus {
namespace {

constexpr const char* kDbusName = "org.freedesktop.DBus";
constexpr const char* kDbusPath = "/org/freedesktop/DBus";
constexpr const char* kPolkitName = "org.freedesktop.PolicyKit1";
constexpr const char* kPolkitPath = "/org/freedesktop/PolicyKit1/Authority";
constexpr const char* kAuthority = "org.freedesktop.PolicyKit1.Authority";
constexpr std::uint32_t kAllowUserInteraction = 1;

auto log() { static auto l = service::logger("bus"); return l; }

const char* actionId(Access access) { return access == Access::Manage ? kManageAction : kObserveAction; }

void deny(const Authorizer::Decision& decision, const char* subReason, const std::string& text)
{
    const core::Error denied(core::ErrorCode::AccessDenied, subReason, text);
    decision(&denied);
}

bool timedOut(const sdbus::Error& error)
{
    return error.getName() == "org.freedesktop.DBus.Error.NoReply" ||
           error.getName() == "org.freedesktop.DBus.Error.Timeout";
}

} // namespace

PolkitAuthorizer::PolkitAuthorizer(sdbus::IConnection& connection, ActsFor actsFor, core::Duration timeout)
    : bus_(sdbus::createProxy(connection, kDbusName, kDbusPath)),
      polkit_(sdbus::createProxy(connection, kPolkitName, kPolkitPath)), actsFor_(std::move(actsFor)),
      timeout_(timeout)
{
}

PolkitAuthorizer::~PolkitAuthorizer() = default;

void PolkitAuthorizer::check(const AccessRequest& request, Decision decision)
{
    // An app may look at its own requests and runs; changing them through Manager1 (a launch
    // that skips every condition, say) is an administrator's action, never the app's own.
    if (request.access == Access::Observe && !request.app.empty() && actsFor_(request.caller, request.app))
        return decision(nullptr);
    bus_->callMethodAsync("GetConnectionUnixUser")
        .onInterface(kDbusName)
        .withTimeout(timeout_)
        .withArguments(request.caller)
        .uponReplyInvoke([this, request, decision](const sdbus::Error* error, std::uint32_t uid) {
            if (error) {
                deny(decision, "not-authorized", "cannot tell who the caller is: " + error->getMessage());
                return;
            }
            if (uid == 0) {
                decision(nullptr);
                return;
            }
            askPolkit(request, uid, decision);
        });
}

void PolkitAuthorizer::askPolkit(const AccessRequest& request, std::uint32_t uid, Decision decision)
{
    using Subject = sdbus::Struct<std::string, std::map<std::string, sdbus::Variant>>;
    using Result = sdbus::Struct<bool, bool, std::map<std::string, std::string>>;
    const Subject subject{"system-bus-name", {{"name", sdbus::Variant(request.caller)}}};
    // Rules may look at the app: action.lookup("app") in a polkit .rules file.
    std::map<std::string, std::string> details;
    if (!request.app.empty())
        details.emplace("app", request.app);
    const std::string action = actionId(request.access);
    const std::string cancellationId = "bgtaskd-" + std::to_string(nextCheck_++);
    polkit_->callMethodAsync("CheckAuthorization")
        .onInterface(kAuthority)
        .withTimeout(timeout_)
        .withArguments(subject, action, details, kAllowUserInteraction, cancellationId)
        .uponReplyInvoke([this, request, uid, action, cancellationId, decision](const sdbus::Error* error,
                                                                                 Result result) {
            if (error) {
                log()->warn("Failed to ask polkit whether {} (uid {}) may use {}: {}; only root may",
                            request.caller, uid, action, error->getMessage());
                if (timedOut(*error))
                    cancel(cancellationId);
                deny(decision, "polkit-unavailable",
                     "polkit did not answer (" + error->getName() + "), so only root may do this");
                return;
            }
            const bool authorized = std::get<0>(result);
            const bool challenge = std::get<1>(result);
            if (authorized) {
                log()->debug("polkit allows {} to {} (uid {})", action, request.caller, uid);
                decision(nullptr);
                return;
            }
            log()->info("polkit denies {} to {} (uid {}){}", action, request.caller, uid,
                        challenge ? ": authentication needed, and no agent provided it" : "");
            deny(decision, "not-authorized",
                 challenge ? "this needs " + action + ", which needs an administrator's authentication; "
                                                      "run it as root or through a polkit agent"
                           : "polkit does not grant " + action + " to this caller");
        });
}

void PolkitAuthorizer::cancel(const std::string& cancellationId)
{
    polkit_->callMethodAsync("CancelCheckAuthorization")
        .onInterface(kAuthority)
        .withTimeout(timeout_)
        .withArguments(cancellationId)
        .uponReplyInvoke([](const sdbus::Error*) {});
}

} // namespace bgtask::bus
