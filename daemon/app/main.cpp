// SPDX-License-Identifier: LGPL-2.1-or-later
// bgtaskd: block the loop's signals, parse options, set up logging, run the daemon; report a
// failed start in one line.
#include "Daemon.h"
#include "Logging.h"
#include "Options.h"

#include <malloc.h>

#include <cstdio>
#include <exception>

int main(int argc, char** argv)
{
    // An idle daemon holding 100,000 requests stays within 32 MiB (issue 13). Blocks of 128 KiB
    // and more (the pending set's vectors, a big reply) are mapped on their own and go back to
    // the kernel when freed; by default glibc raises that threshold each time such a block is
    // freed, and later ones then stay in the heap. Two arenas at most: the worker threads
    // (checkpoints, manifest reads, simulations) share them instead of keeping one each.
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    mallopt(M_ARENA_MAX, 2);
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
