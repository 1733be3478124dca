// SPDX-License-Identifier: LGPL-2.1-or-later
// Per-connection fairness for the app calls that write (Scheduler1 Submit, Cancel, CancelAll).
// The bus adaptor decodes a call, checks what needs no state, and queues the rest of the work
// here under the caller's unique name; the event loop then serves the queues in batches: at
// most `share` calls of each connection per batch, connections in turn, one group commit per
// batch. A connection that floods the daemon fills only its own queue, so another app's call
// waits for at most one batch, not for the whole flood. A connection may have at most
// `maxInFlight` calls unanswered (queued, or served and waiting for their commit); beyond that
// its calls are refused at once with Unavailable "too-many-calls". Replies still come only after
// the durable commit. The queue of a connection that left the bus is dropped.
#pragma once

#include "CommitQueue.h"

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

namespace bgtask::service {

struct FairCallLimits {
    std::size_t maxInFlight = 256;   // calls unanswered per connection
    std::size_t share = 2;           // calls of one connection per batch
};

class FairCalls {
public:
    using Done = CommitQueue::Done;
    // The call's work: it must call its Done exactly once (after the commit it staged, or at
    // once with an error).
    using Call = std::function<void(Done)>;

    using Limits = FairCallLimits;

    // scheduleDispatch asks the event loop to call dispatch() soon (once per request is enough);
    // commit commits what a batch staged (TaskService::flushCommits), so that its callers are
    // answered before the next batch is served.
    FairCalls(std::function<void()> scheduleDispatch, std::function<void()> commit, Limits limits = {});

    // Queues call for sender, or answers done at once with Unavailable too-many-calls when
    // sender has limits.maxInFlight calls unanswered.
    void enqueue(const std::string& sender, Call call, Done done);
    // Serves one batch and commits it; asks for another dispatch while calls are left.
    void dispatch();
    // sender left the bus: its queued calls are dropped unanswered (nobody is there to hear).
    void forget(const std::string& sender);

    std::size_t queued() const;
    std::size_t inFlight(const std::string& sender) const;

private:
    struct Queued {
        Call call;
        Done done;
    };
    struct Sender {
        std::deque<Queued> queue;
        std::size_t inFlight = 0;
        bool inTurn = false;   // listed in turns_
    };
    // Shared with the completions handed to the calls, which may run after a sender was
    // forgotten (its entry is gone then and nothing is counted).
    struct State {
        std::unordered_map<std::string, Sender> senders;
        std::deque<std::string> turns;   // senders with queued calls, next to serve first
    };

    void answered(const std::string& sender);

    std::function<void()> scheduleDispatch_;
    std::function<void()> commit_;
    Limits limits_;
    std::shared_ptr<State> state_ = std::make_shared<State>();
    bool dispatchScheduled_ = false;
};

} // namespace bgtask::service
