// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ExitCodes.h"

#include <CLI/App.hpp>
#include <CLI/Error.hpp>

namespace bgtaskctl {

int exitCodeFor(const bgtask::SchedulerError& error)
{
    using Code = bgtask::SchedulerError::Code;
    switch (error.code()) {
    case Code::InvalidArgument: return kExitUsage;
    case Code::NotFound: return kExitNotFound;
    case Code::NotPermitted:
    case Code::AccessDenied: return kExitNotPermitted;
    case Code::NoScheduler: return kExitUnreachable;
    case Code::Unavailable:
    case Code::TooManyPendingTaskRequests:
    case Code::ImmediateRunIneligible:
    case Code::Internal: return kExitFailure;
    }
    return kExitFailure;
}

int exitCodeFor(const CLI::App& app, const CLI::ParseError& error)
{
    const int status = app.exit(error);
    return status == static_cast<int>(CLI::ExitCodes::Success) ? kExitSuccess : kExitUsage;
}

} // namespace bgtaskctl
