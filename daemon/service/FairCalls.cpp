// SPDX-License-Identifier: LGPL-2.1-or-later
#include "FairCalls.h"

#include "Log.h"

#include "core/Error.h"

#include <exception>
#include <utility>
#include <vector>

namespace bgtask::service {

FairCalls::FairCalls(std::function<void()> scheduleDispatch, std::function<void()> commit, Limits limits)
    : scheduleDispatch_(std::move(scheduleDispatch)), commit_(std::move(commit)), limits_(limits)
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
    ++entry.inFlight;
    entry.queue.push_back({std::move(call), std::move(done)});
    if (!entry.inTurn) {
        entry.inTurn = true;
        state_->turns.push_back(sender);
    }
    if (!std::exchange(dispatchScheduled_, true))
        scheduleDispatch_();
}

void FairCalls::dispatch()
{
    dispatchScheduled_ = false;
    // This batch: each sender waiting now, in turn, with up to `share` of its calls. A sender
    // with calls left goes to the back of the turns, behind those that arrive meanwhile.
    std::vector<Queued> batch;
    std::vector<std::string> servedFor;
    auto& state = *state_;
    for (auto n = state.turns.size(); n > 0; --n) {
        auto sender = std::move(state.turns.front());
        state.turns.pop_front();
        auto it = state.senders.find(sender);
        if (it == state.senders.end())
            continue;
        auto& entry = it->second;
        for (std::size_t i = 0; i < limits_.share && !entry.queue.empty(); ++i) {
            batch.push_back(std::move(entry.queue.front()));
            servedFor.push_back(sender);
            entry.queue.pop_front();
        }
        if (entry.queue.empty())
            entry.inTurn = false;
        else
            state.turns.push_back(std::move(sender));
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
        // The completion counts the answer, whenever it comes (after this batch's commit).
        auto answered = std::make_shared<bool>(false);
        Done completion = [state = state_, sender = servedFor[i], done = std::move(batch[i].done),
                           answered](const core::Error* e) {
            if (std::exchange(*answered, true))
                return;
            if (auto it = state->senders.find(sender); it != state->senders.end()) {
                auto& entry = it->second;
                if (entry.inFlight > 0)
                    --entry.inFlight;
                if (entry.inFlight == 0 && entry.queue.empty())
                    state->senders.erase(it);
            }
            done(e);
        };
        try {
            batch[i].call(completion);
        } catch (const std::exception& e) {
            // A call must answer through its completion; one that escaped still gets an answer
            // and the rest of the batch is served.
            logger("bus")->error("A queued call of {} failed: {}", servedFor[i], e.what());
            if (!*answered) {
                const core::Error error(core::ErrorCode::Internal, "internal", e.what());
                completion(&error);
            }
        }
    }
    if (!batch.empty() && commit_)
        commit_();
    if (!state.turns.empty() && !std::exchange(dispatchScheduled_, true))
        scheduleDispatch_();
}

void FairCalls::forget(const std::string& sender)
{
    // Calls served already keep their completions; they find no entry and count nothing.
    state_->senders.erase(sender);
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
