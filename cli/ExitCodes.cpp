// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ExitCodes.h"

#include <CLI/App.hpp>
#include <CLI/Error.hpp>

#include <iostream>

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
    // --help and --version are "errors" that CLI11 prints itself; real ones carry our prefix.
    if (error.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success))
        return app.exit(error) == 0 ? kExitSuccess : kExitUsage;
    std::cerr << "bgtaskctl: " << error.what() << "\nRun 'bgtaskctl --help' for usage.\n";
    return kExitUsage;
}

} // namespace bgtaskctl
