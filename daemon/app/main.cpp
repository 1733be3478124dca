// SPDX-License-Identifier: LGPL-2.1-or-later
// bgtaskd: block the loop's signals, parse options, set up logging, run the daemon; report a
// failed start in one line.
#include "Daemon.h"
#include "Logging.h"
#include "Options.h"

#include <cstdio>
#include <exception>

int main(int argc, char** argv)
{
    bgtask::app::Daemon::blockSignals();
    int exitCode = 0;
    auto options = bgtask::app::parseOptions(argc, argv, exitCode);
    if (!options)
        return exitCode;
    bgtask::app::setUpLogging(options->verbosity);
    try {
        return bgtask::app::Daemon(std::move(*options)).run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bgtaskd: Failed to start: %s\n", e.what());
        return 1;
    }
}
