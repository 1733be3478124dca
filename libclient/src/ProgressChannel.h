// SPDX-License-Identifier: LGPL-2.1-or-later
// The progress and title of one continued-processing task on their way to the bus. The app side
// (Progress, ContinuedProcessingTask::updateTitle) records values cheaply; the sending side
// (ProgressFlusher) takes what is due, one Coalescer per value. Owned jointly by the task and the
// flusher; borrows the flusher weakly, through ProgressWaker, to wake it.
#pragma once

#include "Coalescer.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace bgtask::detail {

struct ProgressValue {
    std::int64_t completed = 0;
    std::int64_t total = 0;
    bool operator==(const ProgressValue&) const = default;
};

struct TitleValue {
    std::string title;
    std::string subtitle;
    bool operator==(const TitleValue&) const = default;
};

// Whoever sends: told when a channel has something new to send.
class ProgressWaker {
public:
    virtual void wake() noexcept = 0;

protected:
    ~ProgressWaker() = default;
};

class ProgressChannel {
public:
    using Clock = std::chrono::steady_clock;

    // What a channel hands to the sender at one time.
    struct Due {
        std::optional<ProgressValue> progress;
        std::optional<TitleValue> title;
        bool empty() const noexcept { return !progress && !title; }
    };

    ProgressChannel(std::string path, TitleValue title, Clock::duration interval,
                    std::weak_ptr<ProgressWaker> waker);
    ProgressChannel(const ProgressChannel&) = delete;
    ProgressChannel& operator=(const ProgressChannel&) = delete;

    // The org.bgtaskd.Task1 object the values belong to.
    const std::string& path() const noexcept { return path_; }

    // App side: any thread; cheap (a lock, a comparison, at most one wake-up).
    ProgressValue progress() const;
    // Unset members keep their value; negative counts become 0. Ignored once closed.
    void setProgress(std::optional<std::int64_t> completed, std::optional<std::int64_t> total);
    TitleValue title() const;
    void setTitle(TitleValue title);

    // Sending side.
    std::optional<Clock::time_point> dueAt() const;
    Due takeDue(Clock::time_point now);
    // Everything still pending; the channel takes no more updates afterwards.
    Due close(Clock::time_point now);
    bool isClosed() const;
    // Held while a channel's values are being queued on the bus, so that a late send does not
    // overtake a newer one. Timed: see ProgressFlusher::close().
    std::timed_mutex& sendMutex() noexcept { return sendMutex_; }

private:
    void wake();

    const std::string path_;
    const std::weak_ptr<ProgressWaker> waker_;
    mutable std::mutex mutex_;
    ProgressValue progress_;
    TitleValue title_;
    Coalescer<ProgressValue> progressOut_;
    Coalescer<TitleValue> titleOut_;
    bool closed_ = false;
    std::timed_mutex sendMutex_;
};

} // namespace bgtask::detail
