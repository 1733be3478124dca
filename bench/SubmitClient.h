// SPDX-License-Identifier: LGPL-2.1-or-later
// Clients of bgtaskd through libbgtask, as an app would be: bgtask::Scheduler::shared(),
// setApplicationId(), then submits of processing requests due one day from now, so that nothing
// launches while the benchmark runs.
//  - runSubmitClient: submits in a loop over a measured window, cycling through a few identifiers
//    so that each submit replaces a pending request and the app stays within its quota. With
//    depth > 1, one thread keeps `depth` asynchronous submits in flight as the pipelined echo
//    client keeps its calls: the library runs on that thread's loop (useExternalEventLoop()) and
//    each completion sends the next submit. With appThread, the app's main thread submits instead
//    and the completions, on the library's thread, hand each free slot back to it.
//  - runFill: submits `count` distinct identifiers once (fills the daemon for the idle and scale
//    phases), synchronously or with `depth` asynchronous submits in flight.
#pragma once

#include <string>
#include <vector>

namespace bgtask::bench {

struct SubmitOptions {
    std::string appId;
    std::vector<std::string> identifiers;
    std::string latencyFile;
    // Submits in flight: 1 is the synchronous submit() in a loop; more keeps that many
    // asynchronous submit(request, completion) calls going, as an app that submits a batch would.
    unsigned depth = 1;
    // depth > 1: submit from the app's own thread, the library running on a thread of its own.
    bool appThread = false;
};

struct FillOptions {
    std::string appId;
    std::string identifierPrefix;   // identifiers are <prefix>.t<N>
    unsigned count = 0;
    unsigned depth = 1;   // submits in flight, as SubmitOptions::depth
};

int runSubmitClient(const SubmitOptions& options);
// Prints "done <submitted> <errors>".
int runFill(const FillOptions& options);

} // namespace bgtask::bench
