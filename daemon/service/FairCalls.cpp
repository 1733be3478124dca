// SPDX-License-Identifier: LGPL-2.1-or-later
#include "FairCalls.h"

#include "Log.h"

#include "core/Error.h"

#include <algorithm>
#include <exception>
#include <utility>

namespace bgtask::service {

FairCalls::FairCalls(std::function<void()> scheduleDispatch, std::function<void()> commit, Limits limits,
                     Clock clock)
    : scheduleDispatch_(std::move(scheduleDispatch)), commit_(std::move(commit)), limits_(limits),
      clock_(std::move(clock))
{
}

void FairCalls::enqueue(const std::string& sender, Call call, Done done)
{
    auto& entry = state_->senders[sender];
    if (entry.inFlight >= limits_.maxInFlight) {
        const core::Error e(core::ErrorCode::Unavailable, "too-many-calls",
                            "this connection has " + std::to_string(entry.inFlight) +
                                " calls unanswered, at most " + std::to_string(limits_.maxInFlight) +
                                "; wait for their replies");
        if (entry.queue.empty() && entry.inFlight == 0)
            state_->senders.erase(sender);
        done(&e);
        return;
    }
    if (++entry.inFlight >= 2 && state_->pipelining.insert(sender).second)
        rememberedPipelinesChanged();
    entry.queue.push_back({std::move(call), std::move(done)});
    if (!entry.inTurn) {
        entry.inTurn = true;
        state_->turns.push_back(sender);
    }
    if (!std::exchange(dispatchScheduled_, true))
        scheduleDispatch_();
}

void FairCalls::dispatch(std::optional<std::chrono::steady_clock::time_point> turnStarted)
{
    dispatchScheduled_ = false;
    // Round-robin: the sender at the front gets one call served and, with calls left, goes to
    // the back, behind those that arrived meanwhile. The first round is always served whole:
    // every connection waiting now gets one call into this turn, however the budget stands (on
    // a loaded machine the clock alone would cut turns to a call or two, and a newcomer behind
    // a flood would wait a turn and a commit per flooding connection). After it, the budget
    // ends the turn between two calls, wherever a round stands; the next turn goes on from there.
    // While turns are short (an interactive caller was served lately), between rounds, with
    // others waiting, the turn also ends once a connection has no call left (it waits only for
    // the commit now: one that calls and waits, under a flood, is answered after the round that
    // served it) or after turnRounds rounds (each flooding connection gets at most that many
    // calls into a turn, so a newcomer waits for a short turn). Otherwise every caller keeps a
    // pipeline full: the turn goes on to its budget, and each is answered its batch at once.
    auto& state = *state_;
    state.holding = true;
    const auto started = turnStarted ? *turnStarted : clock_();
    const bool alone = state.turns.size() == 1;
    std::size_t round = 1;
    std::size_t leftInRound = state.turns.size();
    std::size_t served = 0;
    bool drained = false;   // a connection served in this turn has no call left queued
    auto budgetLeft = [&] { return served < limits_.turnCalls && clock_() - started < limits_.turnWork; };
    try {
        while (!state.turns.empty()) {
            if (leftInRound == 0) {   // a round is over
                if (!alone && (drained || round >= limits_.turnRounds) && shortTurns())
                    break;
                ++round;
                leftInRound = state.turns.size();
            }
            if (round > 1 && !budgetLeft())
                break;
            --leftInRound;
            auto sender = std::move(state.turns.front());
            state.turns.pop_front();
            auto it = state.senders.find(sender);
            if (it == state.senders.end() || it->second.queue.empty())
                continue;   // not expected: forget() takes a sender out of the turns
            auto& entry = it->second;
            if (!state.pipelining.contains(sender))
                interactiveServed_ = clock_();
            auto queued = std::move(entry.queue.front());
            entry.queue.pop_front();
            if (entry.queue.empty()) {
                entry.inTurn = false;
                drained = true;
            } else
                state.turns.push_back(sender);
            serve(sender, std::move(queued));   // may erase the entry (an answer at once)
            ++served;
        }
        if (served > 0 && commit_)
            commit_();
    } catch (...) {
        answerHeld();   // whatever was answered before the escape still goes out
        throw;
    }
    answerHeld();
    if (!state.turns.empty() && !std::exchange(dispatchScheduled_, true))
        scheduleDispatch_();
}

void FairCalls::answerHeld()
{
    // One connection's answers back to back: its client reads them at one wake-up, and the bus
    // daemon forwards them together, instead of one answer per connection in turn, as served.
    auto& state = *state_;
    state.holding = false;
    auto held = std::move(state.held);
    state.held.clear();
    state.answerGroups.clear();
    std::stable_sort(held.begin(), held.end(), [](const Answer& a, const Answer& b) { return a.group < b.group; });
    for (auto& answer : held) {
        try {
            answer.done(answer.error ? &*answer.error : nullptr);
        } catch (const std::exception& e) {
            logger("bus")->error("Failed to answer a queued call: {}", e.what());
        }
    }
}

void FairCalls::rememberedPipelinesChanged()
{
    // Names are forgotten when a connection that Scheduler1 follows leaves; Manager1's callers
    // are not followed (their queued calls are served after they leave). So that those cannot
    // pile up, past a bound only the connections with calls unanswered stay remembered; the
    // others are taken for interactive callers again until their next two calls at once.
    auto& pipelining = state_->pipelining;
    if (pipelining.size() <= std::max(kRememberedPipelines, 2 * state_->senders.size()))
        return;
    std::erase_if(pipelining, [this](const std::string& name) { return !state_->senders.contains(name); });
}

bool FairCalls::shortTurns() const
{
    return interactiveServed_ && clock_() - *interactiveServed_ < limits_.interactiveWindow;
}

void FairCalls::serve(const std::string& sender, Queued queued)
{
    // The completion counts the answer, whenever it comes (after this turn's commit).
    auto answered = std::make_shared<bool>(false);
    Done completion = [state = state_, sender, done = std::move(queued.done), answered](const core::Error* e) mutable {
        if (std::exchange(*answered, true))
            return;
        if (auto it = state->senders.find(sender); it != state->senders.end()) {
            auto& entry = it->second;
            if (entry.inFlight > 0)
                --entry.inFlight;
            if (entry.inFlight == 0 && entry.queue.empty())
                state->senders.erase(it);
        }
        if (!state->holding) {
            done(e);
            return;
        }
        // During a turn: answered after its commit, each connection's answers together.
        const auto group = state->answerGroups.try_emplace(sender, state->answerGroups.size()).first->second;
        state->held.push_back({group, std::move(done), e ? std::optional<core::Error>(*e) : std::nullopt});
    };
    try {
        queued.call(completion);
    } catch (const std::exception& e) {
        // A call must answer through its completion; one that escaped still gets an answer
        // and the rest of the turn is served.
        logger("bus")->error("A queued call of {} failed: {}", sender, e.what());
        if (!*answered) {
            const core::Error error(core::ErrorCode::Internal, "internal", e.what());
            completion(&error);
        }
    }
}

void FairCalls::forget(const std::string& sender)
{
    // Calls served already keep their completions; they find no entry and count nothing.
    state_->pipelining.erase(sender);
    if (state_->senders.erase(sender) > 0)
        std::erase(state_->turns, sender);
}

std::size_t FairCalls::queued() const
{
    std::size_t n = 0;
    for (const auto& [sender, entry] : state_->senders)
        n += entry.queue.size();
    return n;
}

std::size_t FairCalls::inFlight(const std::string& sender) const
{
    auto it = state_->senders.find(sender);
    return it == state_->senders.end() ? 0 : it->second.inFlight;
}

} // namespace bgtask::service
