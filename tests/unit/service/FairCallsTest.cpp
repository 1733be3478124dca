// SPDX-License-Identifier: LGPL-2.1-or-later
#include "service/FairCalls.h"

#include "core/Error.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

using namespace bgtask;
using service::FairCalls;

namespace {

// A loop turn by hand: what was served, in order, the commits and the answers.
struct Harness {
    std::vector<std::string> served;            // "sender#n" in the order the calls ran
    std::vector<std::string> answers;           // "sender#n ok" or "sender#n sub-reason"
    std::vector<FairCalls::Done> held;          // completions of calls that wait for a commit
    int commits = 0;
    int dispatchRequests = 0;
    bool hold = false;                          // calls keep their completion (a pending commit)
    std::chrono::steady_clock::time_point now;  // the fake clock: each call served advances it
    std::chrono::microseconds callCost{0};
    FairCalls calls;

    explicit Harness(service::FairCallLimits limits = {})
        : calls([this] { ++dispatchRequests; }, [this] { ++commits; }, limits, [this] { return now; })
    {
    }

    static service::FairCallLimits turnOf(std::size_t calls, std::chrono::microseconds work = std::chrono::seconds(1))
    {
        return {.maxInFlight = 256, .turnCalls = calls, .turnWork = work};
    }

    // What the next turn serves.
    std::vector<std::string> turn()
    {
        const auto before = served.size();
        calls.dispatch();
        return {served.begin() + static_cast<std::ptrdiff_t>(before), served.end()};
    }

    void call(const std::string& sender, int n)
    {
        const auto name = sender + "#" + std::to_string(n);
        calls.enqueue(sender,
                      [this, name](FairCalls::Done done) {
                          served.push_back(name);
                          now += callCost;
                          if (hold)
                              held.push_back(std::move(done));
                          else
                              done(nullptr);
                      },
                      [this, name](const core::Error* e) { answers.push_back(name + (e ? " " + e->subReason() : " ok")); });
    }
};

} // namespace

TEST_CASE("A connection alone gets its whole batch served in one turn and one commit")
{
    Harness h(Harness::turnOf(128));
    for (int i = 0; i < 100; ++i)
        h.call(":1.1", i);
    CHECK(h.dispatchRequests == 1);   // one request per turn, not per call
    CHECK(h.served.empty());          // nothing runs before the loop dispatches

    h.calls.dispatch();
    CHECK(h.served.size() == 100);
    CHECK(h.commits == 1);
    CHECK(h.answers.size() == 100);
    CHECK(h.calls.queued() == 0);
    CHECK(h.dispatchRequests == 1);   // nothing left: no further turn
    for (int i = 0; i < 100; ++i)
        CHECK(h.served[static_cast<std::size_t>(i)] == ":1.1#" + std::to_string(i));
    CHECK(h.calls.inFlight(":1.1") == 0);
}

TEST_CASE("Every waiting connection's first call is served in the first round of a turn")
{
    Harness h(Harness::turnOf(8));
    for (int i = 0; i < 100; ++i)
        h.call(":1.1", i);
    h.call(":1.2", 0);
    for (int i = 0; i < 3; ++i)
        h.call(":1.3", i);

    // One call of each connection per round; :1.2 has none left after the first, so the turn
    // ends with that round and :1.2 is answered after its commit.
    CHECK(h.turn() == std::vector<std::string>{":1.1#0", ":1.2#0", ":1.3#0"});
    CHECK(h.commits == 1);
    CHECK(h.answers.size() == 3);
    CHECK(h.dispatchRequests == 2);   // the flood's rest waits for the next turns

    // A newcomer during the flood is served in the very next turn's first round.
    h.call(":1.4", 0);
    CHECK(h.turn() == std::vector<std::string>{":1.1#1", ":1.3#1", ":1.4#0"});
    CHECK(h.commits == 2);
    CHECK(h.turn() == std::vector<std::string>{":1.1#2", ":1.3#2"});
    // Alone again: the flood gets whole turns, up to the count.
    CHECK(h.turn() == std::vector<std::string>{":1.1#3", ":1.1#4", ":1.1#5", ":1.1#6", ":1.1#7", ":1.1#8",
                                               ":1.1#9", ":1.1#10"});
    CHECK(h.commits == 4);

    while (h.calls.queued() > 0)
        h.calls.dispatch();
    CHECK(h.served.size() == 105);
    CHECK(h.answers.size() == 105);
    // Each connection's calls keep their order.
    std::vector<std::string> flood;
    for (const auto& s : h.served)
        if (s.starts_with(":1.1#"))
            flood.push_back(s);
    REQUIRE(flood.size() == 100);
    for (int i = 0; i < 100; ++i)
        CHECK(flood[static_cast<std::size_t>(i)] == ":1.1#" + std::to_string(i));
    CHECK(h.calls.inFlight(":1.1") == 0);
}

namespace {

// 16 libbgtask apps with 8 submits in flight each.
void fillPipelines(Harness& h, int first = 0)
{
    for (int c = 0; c < 16; ++c)
        for (int i = first; i < first + 8; ++i)
            h.call(":1." + std::to_string(c), i);
}

long countOf(const std::vector<std::string>& served, int connection)
{
    return std::count_if(served.begin(), served.end(), [&](const std::string& s) {
        return s.starts_with(":1." + std::to_string(connection) + "#");
    });
}

} // namespace

TEST_CASE("Connections that keep their pipelines full, with no interactive caller, get whole batches into one commit")
{
    Harness h(Harness::turnOf(128));
    fillPipelines(h);
    const auto first = h.turn();
    CHECK(first.size() == 128);
    CHECK(h.commits == 1);
    CHECK(h.answers.size() == 128);
    CHECK(h.calls.queued() == 0);
    // Still round by round: every connection's first call comes before any second one.
    for (int c = 0; c < 16; ++c)
        CHECK(first[static_cast<std::size_t>(c)] == ":1." + std::to_string(c) + "#0");
    // The budget still ends a turn: 128 calls of 16 x 9 queued.
    fillPipelines(h, 8);
    for (int c = 0; c < 16; ++c)
        h.call(":1." + std::to_string(c), 16);
    CHECK(h.turn().size() == 128);
    CHECK(h.turn().size() == 16);
}

TEST_CASE("A turn's answers go out after its commit, each connection's together, in its order")
{
    Harness h(Harness::turnOf(128));
    std::vector<int> commitsAtAnswer;
    for (const auto* sender : {":1.1", ":1.2", ":1.3"})
        for (int i = 0; i < 3; ++i) {
            const auto name = std::string(sender) + "#" + std::to_string(i);
            h.calls.enqueue(sender,
                            [&h, name](FairCalls::Done done) {
                                h.served.push_back(name);
                                done(nullptr);   // staged: its commit comes at the end of the turn
                            },
                            [&h, &commitsAtAnswer, name](const core::Error*) {
                                h.answers.push_back(name);
                                commitsAtAnswer.push_back(h.commits);
                            });
        }
    h.calls.enqueue(":1.2", [](FairCalls::Done done) {
        const core::Error e(core::ErrorCode::InvalidArgument, "bad-identifier", "refused at once");
        done(&e);
    }, [&h](const core::Error* e) { h.answers.push_back(std::string(":1.2#3 ") + (e ? e->subReason() : "ok")); });

    h.calls.dispatch();
    // Served round-robin...
    CHECK(h.served == std::vector<std::string>{":1.1#0", ":1.2#0", ":1.3#0", ":1.1#1", ":1.2#1", ":1.3#1",
                                               ":1.1#2", ":1.2#2", ":1.3#2"});
    // ...answered after the commit, grouped by connection, each in its own order.
    CHECK(h.answers == std::vector<std::string>{":1.1#0", ":1.1#1", ":1.1#2", ":1.2#0", ":1.2#1", ":1.2#2",
                                                ":1.2#3 bad-identifier", ":1.3#0", ":1.3#1", ":1.3#2"});
    CHECK(commitsAtAnswer == std::vector<int>(9, 1));
    CHECK(h.calls.inFlight(":1.2") == 0);

    // A completion that comes after its turn (a call that waited for something else) goes out at once.
    FairCalls::Done late;
    h.calls.enqueue(":1.4", [&late](FairCalls::Done done) { late = std::move(done); },
                    [&h](const core::Error*) { h.answers.push_back(":1.4#0"); });
    h.calls.dispatch();
    CHECK(h.answers.size() == 10);
    late(nullptr);
    CHECK(h.answers.back() == ":1.4#0");
}

TEST_CASE("While an interactive caller calls, pipelines get kTurnRounds calls each per turn")
{
    Harness h(Harness::turnOf(128));
    // :1.99 waits for each answer before it calls again: an interactive caller.
    h.call(":1.99", 0);
    CHECK(h.turn() == std::vector<std::string>{":1.99#0"});
    CHECK(h.answers.back() == ":1.99#0 ok");

    fillPipelines(h);
    const auto first = h.turn();
    CHECK(first.size() == 16 * service::kTurnRounds);
    for (int c = 0; c < 16; ++c)
        CHECK(countOf(first, c) == static_cast<long>(service::kTurnRounds));
    // It calls again: served in the next turn's first round, and that turn ends with the round.
    h.call(":1.99", 1);
    const auto second = h.turn();
    CHECK(second.size() == 17);
    CHECK(second.back() == ":1.99#1");
    CHECK(h.answers.back() == ":1.99#1 ok");

    // Once it has been quiet for the window, the pipelines get whole turns again.
    h.now += service::kInteractiveWindow;
    const auto third = h.turn();
    CHECK(third.size() == 128 - 16 * service::kTurnRounds - 16);
    CHECK(h.calls.queued() == 0);
    CHECK(h.answers.size() == 130);
}

TEST_CASE("A connection that had two calls unanswered at once is not an interactive caller until it leaves")
{
    Harness h(Harness::turnOf(256));
    h.call(":1.5", 0);
    h.call(":1.5", 1);
    CHECK(h.turn().size() == 2);
    // Later it calls one at a time: the pipelines still get whole turns.
    h.call(":1.5", 2);
    fillPipelines(h);
    CHECK(h.turn().size() == 129);

    // The name left; the same name cannot come back on a real bus, but what was learned of it
    // is gone: its single call makes the turns short again.
    h.calls.forget(":1.5");
    h.call(":1.5", 3);
    CHECK(h.turn() == std::vector<std::string>{":1.5#3"});
    fillPipelines(h, 8);
    CHECK(h.turn().size() == 16 * service::kTurnRounds);
}

TEST_CASE("Connections remembered as pipelining are bounded when they are never forgotten")
{
    // Manager1's callers are not followed on the bus: nobody calls forget() for them.
    Harness h(Harness::turnOf(256));
    const auto n = service::kRememberedPipelines + 10;
    for (std::size_t c = 0; c < n; ++c) {
        const auto name = ":2." + std::to_string(c);
        h.call(name, 0);
        h.call(name, 1);
        CHECK(h.turn().size() == 2);
        CHECK(h.calls.rememberedPipelines() <= service::kRememberedPipelines + 1);
    }
    // At the bound, only the connection with calls unanswered was kept; the ten after it were added.
    CHECK(h.calls.rememberedPipelines() == 10);
    CHECK(h.answers.size() == 2 * n);
}

TEST_CASE("Under a flood, a connection that calls and waits is answered after the round that served it")
{
    Harness h(Harness::turnOf(128));
    for (int c = 0; c < 4; ++c)
        for (int i = 0; i < 64; ++i)
            h.call(":1.1" + std::to_string(c), i);
    h.call(":1.2", 0);
    // The first round serves every connection once; :1.2 has nothing left, so the turn ends.
    CHECK(h.turn() == std::vector<std::string>{":1.10#0", ":1.11#0", ":1.12#0", ":1.13#0", ":1.2#0"});
    CHECK(h.commits == 1);
    CHECK(h.answers.back() == ":1.2#0 ok");
    // The flood alone: at most kTurnRounds calls per connection into a turn.
    CHECK(h.turn().size() == 4 * service::kTurnRounds);
    h.call(":1.2", 1);
    const auto next = h.turn();
    CHECK(next.size() == 5);
    CHECK(next.back() == ":1.2#1");
    CHECK(h.answers.back() == ":1.2#1 ok");
}

TEST_CASE("A turn ends once its time of work is spent, between two calls")
{
    Harness h(Harness::turnOf(128, std::chrono::microseconds(1000)));
    h.callCost = std::chrono::microseconds(300);
    for (int i = 0; i < 10; ++i)
        h.call(":1.1", i);
    // The fourth call starts at 900 µs, within the budget; after it 1,200 µs are spent.
    CHECK(h.turn().size() == 4);
    CHECK(h.commits == 1);
    CHECK(h.answers.size() == 4);   // answered after the turn's commit, not after the flood
    CHECK(h.turn().size() == 4);
    CHECK(h.turn() == std::vector<std::string>{":1.1#8", ":1.1#9"});
    CHECK(h.commits == 3);
}

TEST_CASE("A turn's time of work counts from when the loop turn began, reading included")
{
    Harness h(Harness::turnOf(128, std::chrono::microseconds(2000)));
    h.callCost = std::chrono::microseconds(300);
    for (int i = 0; i < 20; ++i)
        h.call(":1.1", i);
    // Reading the bus took 1,500 µs: two calls fit (1,500 and 1,800 µs), the third would not.
    const auto began = h.now;
    h.now += std::chrono::microseconds(1500);
    h.calls.dispatch(began);
    CHECK(h.served.size() == 2);
    // Reading took the whole budget: one call all the same.
    const auto began2 = h.now;
    h.now += std::chrono::microseconds(2500);
    h.calls.dispatch(began2);
    CHECK(h.served.size() == 3);
    CHECK(h.commits == 2);
}

TEST_CASE("A turn serves its first round whole, however long it takes and however many wait")
{
    Harness h(Harness::turnOf(2, std::chrono::microseconds(1000)));
    h.callCost = std::chrono::milliseconds(5);
    h.call(":1.1", 0);
    h.call(":1.1", 1);
    for (const auto* sender : {":1.2", ":1.3", ":1.4", ":1.5"})
        h.call(sender, 0);
    // Five connections wait: each gets its call into this turn, past the count and the clock.
    CHECK(h.turn() == std::vector<std::string>{":1.1#0", ":1.2#0", ":1.3#0", ":1.4#0", ":1.5#0"});
    CHECK(h.turn() == std::vector<std::string>{":1.1#1"});
    CHECK(h.turn().empty());
    CHECK(h.commits == 2);   // a turn that served nothing commits nothing
}

TEST_CASE("The next turn goes on from where the budget stopped a round")
{
    Harness h(Harness::turnOf(3));
    for (const auto* sender : {":1.1", ":1.2"})
        for (int i = 0; i < 5; ++i)
            h.call(sender, i);
    CHECK(h.turn() == std::vector<std::string>{":1.1#0", ":1.2#0", ":1.1#1"});
    CHECK(h.turn() == std::vector<std::string>{":1.2#1", ":1.1#2", ":1.2#2"});
    CHECK(h.turn() == std::vector<std::string>{":1.1#3", ":1.2#3", ":1.1#4"});
    CHECK(h.turn() == std::vector<std::string>{":1.2#4"});
    CHECK(h.calls.queued() == 0);
}

TEST_CASE("Calls past a connection's bound of unanswered calls are refused as too-many-calls")
{
    Harness h({.maxInFlight = 4, .turnCalls = 3});
    h.hold = true;
    for (int i = 0; i < 6; ++i)
        h.call(":1.1", i);
    // Two were refused at once; the others count as unanswered until their commit.
    CHECK(h.answers == std::vector<std::string>{":1.1#4 too-many-calls", ":1.1#5 too-many-calls"});
    CHECK(h.calls.inFlight(":1.1") == 4);
    // Another connection is not affected.
    h.call(":1.2", 0);
    CHECK(h.calls.inFlight(":1.2") == 1);

    // Serves :1.1#0 and :1.2#0 (:1.2 has no call left, so the turn ends with that round), both
    // waiting for their commit.
    h.calls.dispatch();
    CHECK(h.served == std::vector<std::string>{":1.1#0", ":1.2#0"});
    CHECK(h.calls.inFlight(":1.1") == 4);
    h.call(":1.1", 6);
    CHECK(h.answers.back() == ":1.1#6 too-many-calls");
    // The commit answers: room again.
    for (auto& done : h.held)
        done(nullptr);
    h.held.clear();
    CHECK(h.calls.inFlight(":1.1") == 3);
    h.call(":1.1", 7);
    CHECK(h.calls.inFlight(":1.1") == 4);
    h.call(":1.1", 8);
    CHECK(h.answers == std::vector<std::string>{":1.1#4 too-many-calls", ":1.1#5 too-many-calls",
                                                ":1.1#6 too-many-calls", ":1.1#0 ok", ":1.2#0 ok",
                                                ":1.1#8 too-many-calls"});
}

TEST_CASE("The queue of a connection that left is dropped and late answers count nothing")
{
    Harness h(Harness::turnOf(2));
    h.hold = true;
    for (int i = 0; i < 5; ++i)
        h.call(":1.1", i);
    h.calls.dispatch();
    REQUIRE(h.served.size() == 2);
    h.calls.forget(":1.1");
    CHECK(h.calls.queued() == 0);
    h.calls.dispatch();
    CHECK(h.served.size() == 2);   // the three queued ones never run
    // The two served ones are still answered (their commit comes), without a count to change.
    for (auto& done : h.held)
        done(nullptr);
    CHECK(h.answers == std::vector<std::string>{":1.1#0 ok", ":1.1#1 ok"});
    CHECK(h.calls.inFlight(":1.1") == 0);
}

TEST_CASE("A name forgotten with calls queued and then calling again is served once per call")
{
    Harness h(Harness::turnOf(2));
    for (int i = 0; i < 3; ++i)
        h.call(":1.1", i);
    h.call(":1.2", 0);
    h.calls.forget(":1.1");
    h.call(":1.1", 3);
    h.call(":1.1", 4);
    CHECK(h.turn() == std::vector<std::string>{":1.2#0", ":1.1#3"});
    CHECK(h.turn() == std::vector<std::string>{":1.1#4"});
    CHECK(h.turn().empty());
    CHECK(h.calls.queued() == 0);
    CHECK(h.calls.inFlight(":1.1") == 0);
}

TEST_CASE("A call that throws is answered Internal and the rest of its turn is served")
{
    Harness h;
    std::vector<std::string> answers;
    h.calls.enqueue(":1.1", [](FairCalls::Done) { throw std::runtime_error("boom"); },
                    [&](const core::Error* e) { answers.push_back(e ? e->subReason() : "ok"); });
    h.call(":1.2", 0);
    h.calls.dispatch();
    CHECK(answers == std::vector<std::string>{"internal"});
    CHECK(h.answers == std::vector<std::string>{":1.2#0 ok"});
    CHECK(h.calls.inFlight(":1.1") == 0);
}
