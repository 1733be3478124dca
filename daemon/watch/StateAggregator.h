// SPDX-License-Identifier: LGPL-2.1-or-later
// The one StateSink of the daemon: merges the partial updates of every source into one
// SystemState, remembers which source reports which field (for `bgtaskctl status`), and hands
// the whole state on only when it really changed, at most once per loop turn. Owns the state;
// borrows nothing but the callbacks it is given.
#pragma once

#include "StateSource.h"

#include <functional>
#include <map>
#include <string>

namespace bgtask::watch {

class StateAggregator final : public StateSink {
public:
    // scheduleFlush: arranges for flush() to run once on a later loop turn (a coalescing defer,
    //   e.g. app::Deferred); called at most once until flush() runs.
    // onChange: receives the new state from flush(), only when it differs from the last one given.
    // onReplan: called for replan() (resume from sleep); may be empty.
    StateAggregator(std::function<void()> scheduleFlush,
                    std::function<void(const core::SystemState&)> onChange,
                    std::function<void()> onReplan = {});

    void update(std::string_view source, const std::function<void(core::SystemState&)>& apply) override;
    void replan() override;

    // Publishes the state if it differs from the last one published. A burst of updates that
    // ends where it started publishes nothing.
    void flush();

    // The current state (including updates not yet flushed).
    const core::SystemState& state() const { return state_; }
    // Field name as in SystemState ("onExternalPower", "connectivity", …) → name of the source
    // that reports it. Fields no source reported are absent.
    const std::map<std::string, std::string>& sources() const { return sources_; }

private:
    void recordSource(std::string_view source, const std::function<void(core::SystemState&)>& apply);

    std::function<void()> scheduleFlush_;
    std::function<void(const core::SystemState&)> onChange_;
    std::function<void()> onReplan_;
    core::SystemState state_;
    core::SystemState published_;
    bool flushScheduled_ = false;
    std::map<std::string, std::string> sources_;
};

} // namespace bgtask::watch
