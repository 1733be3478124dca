// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ErrorTranslation.h"

#include <bgtask-api/ErrorCode.h>

#include <array>
#include <string>

namespace bgtask::detail {
namespace {

using Code = SchedulerError::Code;

Code fromApi(api::ErrorCode code)
{
    switch (code) {
    case api::ErrorCode::Unavailable: return Code::Unavailable;
    case api::ErrorCode::TooManyPendingTaskRequests: return Code::TooManyPendingTaskRequests;
    case api::ErrorCode::NotPermitted: return Code::NotPermitted;
    case api::ErrorCode::ImmediateRunIneligible: return Code::ImmediateRunIneligible;
    case api::ErrorCode::InvalidArgument: return Code::InvalidArgument;
    case api::ErrorCode::NotFound: return Code::NotFound;
    case api::ErrorCode::AccessDenied: return Code::AccessDenied;
    case api::ErrorCode::Internal: return Code::Internal;
    }
    return Code::Internal;
}

std::optional<api::ErrorCode> toApi(Code code)
{
    switch (code) {
    case Code::Unavailable: return api::ErrorCode::Unavailable;
    case Code::TooManyPendingTaskRequests: return api::ErrorCode::TooManyPendingTaskRequests;
    case Code::NotPermitted: return api::ErrorCode::NotPermitted;
    case Code::ImmediateRunIneligible: return api::ErrorCode::ImmediateRunIneligible;
    case Code::InvalidArgument: return api::ErrorCode::InvalidArgument;
    case Code::NotFound: return api::ErrorCode::NotFound;
    case Code::AccessDenied: return api::ErrorCode::AccessDenied;
    case Code::Internal: return api::ErrorCode::Internal;
    case Code::NoScheduler: return std::nullopt;
    }
    return std::nullopt;
}

// Errors meaning "nobody answers for org.bgtaskd": not running and not activatable, activation
// failed, the call timed out, or the connection itself is gone.
bool meansNoScheduler(std::string_view name)
{
    constexpr std::array<std::string_view, 9> kExact{
        "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner",
        "org.freedesktop.DBus.Error.NoReply",        "org.freedesktop.DBus.Error.Timeout",
        "org.freedesktop.DBus.Error.TimedOut",       "org.freedesktop.DBus.Error.Disconnected",
        "org.freedesktop.DBus.Error.NoServer",       "org.freedesktop.DBus.Error.NoNetwork",
        "org.freedesktop.DBus.Error.FileNotFound",
    };
    for (auto exact : kExact)
        if (name == exact)
            return true;
    if (name.starts_with("org.freedesktop.DBus.Error.Spawn."))
        return true;
    // sd-bus reports socket errors as System.Error.<errno name>.
    constexpr std::array<std::string_view, 8> kErrno{"ECONNREFUSED", "ECONNRESET", "ENOTCONN", "EPIPE",
                                                     "ENOENT",       "ENOMEDIUM",  "ETIMEDOUT", "ESHUTDOWN"};
    constexpr std::string_view kSystem = "System.Error.";
    if (name.starts_with(kSystem))
        for (auto e : kErrno)
            if (name.substr(kSystem.size()) == e)
                return true;
    return false;
}

bool meansProtocolMismatch(std::string_view name)
{
    constexpr std::array<std::string_view, 6> kNames{
        "org.freedesktop.DBus.Error.UnknownMethod",   "org.freedesktop.DBus.Error.UnknownObject",
        "org.freedesktop.DBus.Error.UnknownInterface", "org.freedesktop.DBus.Error.UnknownProperty",
        "org.freedesktop.DBus.Error.InvalidArgs",     "org.freedesktop.DBus.Error.InvalidSignature",
    };
    for (auto n : kNames)
        if (name == n)
            return true;
    return false;
}

std::string describe(const sdbus::Error& error)
{
    const auto& message = error.getMessage();
    return message.empty() ? error.getName() : error.getName() + ": " + message;
}

} // namespace

SchedulerError translateError(const sdbus::Error& error)
{
    const auto& name = error.getName();
    if (auto code = api::errorCodeFromName(name)) {
        auto split = api::splitErrorMessage(error.getMessage());
        return SchedulerError(fromApi(*code), std::move(split.subReason), std::move(split.text));
    }
    if (meansNoScheduler(name))
        return SchedulerError(Code::NoScheduler, kNoScheduler,
                              "nobody answers for org.bgtaskd (" + describe(error) + ")");
    if (name == "org.freedesktop.DBus.Error.AccessDenied")
        return SchedulerError(Code::AccessDenied, "bus-policy", describe(error));
    if (meansProtocolMismatch(name))
        return SchedulerError(Code::Internal, "protocol-mismatch",
                              "bgtaskd does not speak this library's version of the interface (" +
                                  describe(error) + ")");
    return SchedulerError(Code::Internal, "dbus-error", describe(error));
}

SchedulerError connectionError(const sdbus::Error& error, std::string_view busDescription)
{
    return SchedulerError(Code::NoScheduler, kNoScheduler,
                          "cannot connect to the " + std::string(busDescription) + " (" + describe(error) + ")");
}

bool meansUnknownMember(const sdbus::Error& error)
{
    return error.getName() == "org.freedesktop.DBus.Error.UnknownMethod" ||
           error.getName() == "org.freedesktop.DBus.Error.UnknownInterface";
}

sdbus::Error toDbusError(SchedulerError::Code code, std::string_view subReason, std::string_view message)
{
    const auto apiCode = toApi(code).value_or(api::ErrorCode::Internal);
    std::string text = subReason.empty() ? std::string(message) : std::string(subReason) + ": " + std::string(message);
    return sdbus::Error(std::string(api::errorName(apiCode)), text);
}

} // namespace bgtask::detail
