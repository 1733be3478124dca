// SPDX-License-Identifier: LGPL-2.1-or-later
#include "bgtask-api/ErrorCode.h"

#include <array>
#include <utility>

namespace bgtask::api {
namespace {

constexpr std::array<std::pair<ErrorCode, std::string_view>, 8> kErrorNames{{
    {ErrorCode::Unavailable, "org.bgtaskd.Error.Unavailable"},
    {ErrorCode::TooManyPendingTaskRequests, "org.bgtaskd.Error.TooManyPendingTaskRequests"},
    {ErrorCode::NotPermitted, "org.bgtaskd.Error.NotPermitted"},
    {ErrorCode::ImmediateRunIneligible, "org.bgtaskd.Error.ImmediateRunIneligible"},
    {ErrorCode::InvalidArgument, "org.bgtaskd.Error.InvalidArgument"},
    {ErrorCode::NotFound, "org.bgtaskd.Error.NotFound"},
    {ErrorCode::AccessDenied, "org.bgtaskd.Error.AccessDenied"},
    {ErrorCode::Internal, "org.bgtaskd.Error.Internal"},
}};

} // namespace

std::string_view errorName(ErrorCode code)
{
    for (const auto& [c, name] : kErrorNames)
        if (c == code)
            return name;
    return "org.bgtaskd.Error.Internal";
}

std::optional<ErrorCode> errorCodeFromName(std::string_view name)
{
    for (const auto& [c, n] : kErrorNames)
        if (n == name)
            return c;
    return std::nullopt;
}

int appleErrorCode(ErrorCode code)
{
    switch (code) {
    case ErrorCode::Unavailable: return 1;
    case ErrorCode::TooManyPendingTaskRequests: return 2;
    case ErrorCode::NotPermitted: return 3;
    case ErrorCode::ImmediateRunIneligible: return 4;
    default: return 0;
    }
}

SplitMessage splitErrorMessage(std::string_view message)
{
    const auto colon = message.find(": ");
    if (colon == std::string_view::npos || colon == 0)
        return {"", std::string(message)};
    const auto head = message.substr(0, colon);
    for (char c : head)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return {"", std::string(message)};
    return {std::string(head), std::string(message.substr(colon + 2))};
}

} // namespace bgtask::api
