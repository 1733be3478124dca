// SPDX-License-Identifier: LGPL-2.1-or-later
// Per-connection fairness for the calls that write: Scheduler1 Submit, Cancel and CancelAll, and
// Manager1's RunNow, Expire, ForgetUsage, SetPolicy and Cancel. The bus adaptor decodes a call,
// checks what needs no state, and queues the rest of the work here under the caller's unique
// name; the event loop then serves the queues in turns. A turn is round after round of one call
// of each waiting connection, the connections in turn: the first round whole, then more until the
// turn's budget (a count of calls and a time of work, FairCallLimits) is spent or every queue is
// empty; then one group commit, then the answers. While a connection that waits for each answer
// (an interactive caller: it never had two calls unanswered at once) has called lately, turns
// are short: with others waiting, a turn also ends between rounds once a connection has no call
// left or after the rounds' limit. So under a flood every other waiting connection's first call
// is served in the next turn's first round, and it waits for about one short turn, not for the
// whole flood; when every caller keeps a pipeline full, each gets its whole batch into one commit
// and is answered all at once. A connection may have at most `maxInFlight` calls
// unanswered (queued, or served and waiting for their commit); beyond that its calls are refused
// at once with Unavailable "too-many-calls". Replies still come only after the durable commit.
// The queue of a connection that left the bus is dropped. Borrows nothing: the loop, the commit
// and the clock are functions given to the constructor.
#pragma once

#include "CommitQueue.h"

#include "core/Error.h"

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace bgtask::service {

// The budget of one turn after its first round (which is always served whole), found with
// bench/run (bench/README.md, "Issue 13 item 5", "session 7" and "session 8"). A newcomer waits
// for the turn under way when its call arrives, then for its own, so the other app's Submit under
// a flood slows down with the size of a flood's turn: its p50 was 13-38 ms with turns of 64 or 128
// calls against 1.4-10.5 ms with 2 calls per connection, and 2.4-7.2 ms with 16 (session 4).
// Session 7: a turn of 8 calls in all answered 16 connections x 8 asynchronous submits one call
// per connection per commit, so every answer woke its client and dbus-daemon on its own (the
// clients cost 28 us per submit, 10 us against a server that answers whole batches). A short
// turn also ends between rounds once a connection has no call left (a caller that waits for its
// answer gets it after the round that served it) or after kTurnRounds rounds with others waiting:
// with 2 rounds a turn of 4 flooding connections stays at 8 calls and another app's p99 under
// the flood was 2.2 ms; 4 rounds gave a p99 of 6.5-11.6 ms. Session 8: with no interactive
// caller about, turns up to the count and the time answer 16 pipelines of 8 whole (16 x 2 calls
// per commit otherwise), while the same long turns under the flood would make the other app wait
// for them (p50 5.5-7.1 ms, p99 8.6-11.1 ms): kInteractiveWindow keeps turns short for that long
// after an interactive caller was served. The time counts from the start of the loop turn, before
// the bus is read (dispatch's turnStarted): decoding the calls that arrived costs as much as
// serving them.
inline constexpr std::size_t kTurnCalls = 128;
inline constexpr std::size_t kTurnRounds = 2;
inline constexpr std::chrono::microseconds kTurnWork{2000};
inline constexpr std::chrono::milliseconds kInteractiveWindow{100};
// Past this many connections remembered as pipelining (and twice the connections with calls
// unanswered), those with none unanswered are forgotten.
inline constexpr std::size_t kRememberedPipelines = 4096;

struct FairCallLimits {
    std::size_t maxInFlight = 256;                     // calls unanswered per connection
    std::size_t turnCalls = kTurnCalls;                // calls served per turn, at most
    std::size_t turnRounds = kTurnRounds;              // rounds per short turn with others waiting, at most
    std::chrono::microseconds turnWork = kTurnWork;    // no new call once a turn has worked this long
    // Turns are short while an interactive caller was served less than this long ago.
    std::chrono::microseconds interactiveWindow = kInteractiveWindow;
};

class FairCalls {
public:
    using Done = CommitQueue::Done;
    // The call's work: it must call its Done exactly once (after the commit it staged, or at
    // once with an error).
    using Call = std::function<void(Done)>;
    // Measures a turn's work: a monotonic clock (a fake one in the tests).
    using Clock = std::function<std::chrono::steady_clock::time_point()>;

    using Limits = FairCallLimits;

    // scheduleDispatch asks the event loop to call dispatch() soon (once per request is enough);
    // commit commits what a turn staged (TaskService::flushCommits), so that its callers are
    // answered before the next turn is served.
    FairCalls(std::function<void()> scheduleDispatch, std::function<void()> commit, Limits limits = {},
              Clock clock = [] { return std::chrono::steady_clock::now(); });

    // Queues call for sender, or answers done at once with Unavailable too-many-calls when
    // sender has limits.maxInFlight calls unanswered.
    void enqueue(const std::string& sender, Call call, Done done);
    // Serves one turn and commits it; asks for another dispatch while calls are left. The turn's
    // time of work counts from turnStarted (when the loop turn began, before the bus was read),
    // or from now.
    void dispatch(std::optional<std::chrono::steady_clock::time_point> turnStarted = std::nullopt);
    // sender left the bus: its queued calls are dropped unanswered (nobody is there to hear).
    void forget(const std::string& sender);

    std::size_t queued() const;
    std::size_t inFlight(const std::string& sender) const;
    std::size_t rememberedPipelines() const { return state_->pipelining.size(); }

private:
    struct Queued {
        Call call;
        Done done;
    };
    struct Answer {
        std::size_t group;
        Done done;
        std::optional<core::Error> error;
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
        // Connections that have had two calls unanswered at once, until they leave the bus (or
        // past kRememberedPipelines, while they have none unanswered): the others wait for each
        // answer before they call again (interactive callers).
        std::unordered_set<std::string> pipelining;
        // While a turn is served and committed, the answers wait here, to go out grouped by
        // connection (in the order the connections were first answered) once it is committed.
        bool holding = false;
        std::vector<Answer> held;
        std::unordered_map<std::string, std::size_t> answerGroups;
    };

    // Sends the answers held during the turn, each connection's together.
    void answerHeld();

    void rememberedPipelinesChanged();
    // Whether turns are short now: an interactive caller was served within the window.
    bool shortTurns() const;

    // Runs one call with a completion that counts its answer.
    void serve(const std::string& sender, Queued queued);

    std::function<void()> scheduleDispatch_;
    std::function<void()> commit_;
    Limits limits_;
    Clock clock_;
    std::shared_ptr<State> state_ = std::make_shared<State>();
    bool dispatchScheduled_ = false;
    std::optional<std::chrono::steady_clock::time_point> interactiveServed_;
};

} // namespace bgtask::service
