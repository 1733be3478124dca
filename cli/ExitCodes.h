// SPDX-License-Identifier: LGPL-2.1-or-later
// The one place that decides bgtaskctl's exit status, for scheduler errors and for usage errors.
#pragma once

#include <bgtask/SchedulerError.h>

namespace CLI {
class App;
class ParseError;
} // namespace CLI

namespace bgtaskctl {

enum ExitCode : int {
    kExitSuccess = 0,
    kExitFailure = 1,       // anything else
    kExitUsage = 2,         // bad command line, or arguments the scheduler rejects as invalid
    kExitNotFound = 3,      // no such request or task
    kExitNotPermitted = 4,  // not permitted, access denied
    kExitUnreachable = 5,   // no bus, or bgtaskd neither running nor activatable
};

int exitCodeFor(const bgtask::SchedulerError& error);
// Lets CLI11 print help, version or the parse error, and maps the outcome: 0 for --help and
// --version, kExitUsage for every real parse error.
int exitCodeFor(const CLI::App& app, const CLI::ParseError& error);

} // namespace bgtaskctl
