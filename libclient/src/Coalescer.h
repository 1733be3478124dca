// SPDX-License-Identifier: LGPL-2.1-or-later
// Rate limiting of one value on its way to the bus: the app may record a new value as often as it
// likes; at most one value leaves every `interval`, the first one after a quiet period leaves at
// once, the latest value always leaves eventually, and a value equal to the one last sent never
// leaves again. Pure: time is an argument, no locking (ProgressChannel locks around it).
#pragma once

#include <chrono>
#include <optional>
#include <utility>

namespace bgtask::detail {

template <typename Value>
class Coalescer {
public:
    using Clock = std::chrono::steady_clock;

    explicit Coalescer(Clock::duration interval)
        : interval_(interval)
    {
    }

    // Records the latest value. Returns true when a send became due that was not due before (the
    // caller then wakes whoever sends).
    bool update(Value value)
    {
        const bool wasIdle = !pending_.has_value();
        if (hasSent_ && sent_ == value)
            pending_.reset();  // back to what the bus already has
        else
            pending_ = std::move(value);
        return wasIdle && pending_.has_value();
    }

    // When the pending value may leave; nullopt when nothing is pending.
    std::optional<Clock::time_point> dueAt() const
    {
        if (!pending_)
            return std::nullopt;
        if (!hasSent_)
            return Clock::time_point::min();
        return sentAt_ + interval_;
    }

    // The value to send now, if one is due at `now`; it then counts as sent at `now`.
    std::optional<Value> take(Clock::time_point now)
    {
        const auto due = dueAt();
        if (!due || now < *due)
            return std::nullopt;
        return takePending(now);
    }

    // Whatever is pending, due or not (the last word before the task ends).
    std::optional<Value> takeFinal(Clock::time_point now)
    {
        if (!pending_)
            return std::nullopt;
        return takePending(now);
    }

    bool hasPending() const noexcept { return pending_.has_value(); }

private:
    std::optional<Value> takePending(Clock::time_point now)
    {
        sent_ = *pending_;
        sentAt_ = now;
        hasSent_ = true;
        return std::exchange(pending_, std::nullopt);
    }

    Clock::duration interval_;
    std::optional<Value> pending_;
    // What the bus has, once something was sent. Plain members with a flag rather than
    // std::optional: GCC 12 at -O2 cannot see that an optional's flag guards its payload once
    // this is inlined, and warns (-Wmaybe-uninitialized) about every read; these are always
    // initialized. Value must therefore be default-constructible.
    Value sent_{};
    Clock::time_point sentAt_{};
    bool hasSent_ = false;
};

} // namespace bgtask::detail
