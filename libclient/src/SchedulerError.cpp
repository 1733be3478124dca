// SPDX-License-Identifier: LGPL-2.1-or-later
#include "bgtask/SchedulerError.h"

namespace bgtask {
namespace {

std::string composeWhat(const std::string& subReason, const std::string& message)
{
    if (subReason.empty())
        return message;
    if (message.empty())
        return subReason;
    return subReason + ": " + message;
}

} // namespace

SchedulerError::SchedulerError(Code code, std::string subReason, std::string message)
    : std::runtime_error(composeWhat(subReason, message))
    , code_(code)
    , subReason_(std::move(subReason))
    , message_(std::move(message))
{
}

int SchedulerError::appleCode() const noexcept
{
    switch (code_) {
    case Code::Unavailable:
    case Code::TooManyPendingTaskRequests:
    case Code::NotPermitted:
    case Code::ImmediateRunIneligible:
        return static_cast<int>(code_);
    case Code::NoScheduler:
        return static_cast<int>(Code::Unavailable);
    default:
        return 0;
    }
}

std::string_view toString(SchedulerError::Code code) noexcept
{
    using Code = SchedulerError::Code;
    switch (code) {
    case Code::Unavailable: return "Unavailable";
    case Code::TooManyPendingTaskRequests: return "TooManyPendingTaskRequests";
    case Code::NotPermitted: return "NotPermitted";
    case Code::ImmediateRunIneligible: return "ImmediateRunIneligible";
    case Code::InvalidArgument: return "InvalidArgument";
    case Code::NotFound: return "NotFound";
    case Code::AccessDenied: return "AccessDenied";
    case Code::Internal: return "Internal";
    case Code::NoScheduler: return "NoScheduler";
    }
    return "Internal";
}

} // namespace bgtask
