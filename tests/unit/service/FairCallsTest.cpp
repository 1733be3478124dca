// SPDX-License-Identifier: LGPL-2.1-or-later
#include "service/FairCalls.h"

#include "core/Error.h"

#include <catch2/catch.hpp>

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
    FairCalls calls;

    explicit Harness(service::FairCallLimits limits = {})
        : calls([this] { ++dispatchRequests; }, [this] { ++commits; }, limits)
    {
    }

    void call(const std::string& sender, int n)
    {
        const auto name = sender + "#" + std::to_string(n);
        calls.enqueue(sender,
                      [this, name](FairCalls::Done done) {
                          served.push_back(name);
                          if (hold)
                              held.push_back(std::move(done));
                          else
                              done(nullptr);
                      },
                      [this, name](const core::Error* e) { answers.push_back(name + (e ? " " + e->subReason() : " ok")); });
    }
};

} // namespace

TEST_CASE("A call arriving behind another connection's flood is served in the next batch")
{
    Harness h({256, 8});
    for (int i = 0; i < 100; ++i)
        h.call(":1.1", i);
    h.call(":1.2", 0);
    CHECK(h.dispatchRequests == 1);   // one request per batch, not per call
    CHECK(h.served.empty());          // nothing runs before the loop dispatches

    h.calls.dispatch();
    REQUIRE(h.served.size() == 9);
    CHECK(h.served.front() == ":1.1#0");
    CHECK(h.served[7] == ":1.1#7");
    CHECK(h.served.back() == ":1.2#0");
    CHECK(h.commits == 1);
    CHECK(h.answers.back() == ":1.2#0 ok");
    CHECK(h.calls.queued() == 92);
    CHECK(h.dispatchRequests == 2);   // the flood's rest waits for the next turns

    // A newcomer during the flood is served in the very next batch, with the flood's next share.
    h.call(":1.3", 0);
    h.calls.dispatch();
    REQUIRE(h.served.size() == 18);
    CHECK(h.served[9] == ":1.1#8");
    CHECK(h.served[16] == ":1.1#15");
    CHECK(h.served[17] == ":1.3#0");
    CHECK(h.commits == 2);

    while (h.calls.queued() > 0)
        h.calls.dispatch();
    CHECK(h.served.size() == 102);
    CHECK(h.served.back() == ":1.1#99");
    CHECK(h.answers.size() == 102);
    // Each connection's calls keep their order.
    std::vector<std::string> flood;
    for (const auto& s : h.served)
        if (s.starts_with(":1.1#"))
            flood.push_back(s);
    for (int i = 0; i < 100; ++i)
        CHECK(flood[static_cast<std::size_t>(i)] == ":1.1#" + std::to_string(i));
    CHECK(h.calls.inFlight(":1.1") == 0);
}

TEST_CASE("Calls past a connection's bound of unanswered calls are refused as too-many-calls")
{
    Harness h({4, 2});
    h.hold = true;
    for (int i = 0; i < 6; ++i)
        h.call(":1.1", i);
    // Two were refused at once; the others count as unanswered until their commit.
    CHECK(h.answers == std::vector<std::string>{":1.1#4 too-many-calls", ":1.1#5 too-many-calls"});
    CHECK(h.calls.inFlight(":1.1") == 4);
    // Another connection is not affected.
    h.call(":1.2", 0);
    CHECK(h.calls.inFlight(":1.2") == 1);

    h.calls.dispatch();   // serves two of :1.1 and :1.2's one, all waiting for their commit
    CHECK(h.calls.inFlight(":1.1") == 4);
    h.call(":1.1", 6);
    CHECK(h.answers.back() == ":1.1#6 too-many-calls");
    // The commit answers: room again.
    for (auto& done : h.held)
        done(nullptr);
    h.held.clear();
    CHECK(h.calls.inFlight(":1.1") == 2);
    h.call(":1.1", 7);
    CHECK(h.calls.inFlight(":1.1") == 3);
    CHECK(h.answers.back() == ":1.2#0 ok");
}

TEST_CASE("The queue of a connection that left is dropped and late answers count nothing")
{
    Harness h({256, 2});
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

TEST_CASE("A call that throws is answered Internal and the rest of its batch is served")
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
