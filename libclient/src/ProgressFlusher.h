// SPDX-License-Identifier: LGPL-2.1-or-later
// Carries the progress and titles of continued-processing tasks to the bus without making the
// app wait: a thread of its own (started with the first channel) sleeps until a channel has a value
// due, then hands it to the sender. It also remembers, for the whole process, when the scheduler
// turned out not to support progress or titles, and from then on sends nothing of that kind.
// Owns its thread and weak references to the channels; borrows the sender, which must outlive
// stop().
#pragma once

#include "ProgressChannel.h"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace bgtask::detail {

// The bus side: org.bgtaskd.Task1.UpdateProgress and UpdateTitle. A send only queues the message
// and returns (the channel's send lock is held meanwhile, so it must never wait for the bus
// thread); the outcome is reported later, from any thread, through `report`.
class ProgressSender {
public:
    enum class Outcome {
        Sent,
        Unsupported,  // the scheduler does not know the method: stop trying
        Failed,       // anything else (the task is gone, the bus failed): try again next time
    };
    using Report = std::function<void(Outcome)>;
    virtual void sendProgress(const std::string& path, const ProgressValue& value, Report report) noexcept = 0;
    virtual void sendTitle(const std::string& path, const TitleValue& value, Report report) noexcept = 0;

protected:
    ~ProgressSender() = default;
};

class ProgressFlusher final : public ProgressWaker, public std::enable_shared_from_this<ProgressFlusher> {
public:
    using Clock = ProgressChannel::Clock;
    static constexpr std::chrono::milliseconds kDefaultInterval{250};

    ProgressFlusher(ProgressSender& sender, Clock::duration interval = kDefaultInterval);
    ~ProgressFlusher();
    ProgressFlusher(const ProgressFlusher&) = delete;
    ProgressFlusher& operator=(const ProgressFlusher&) = delete;

    // A channel for the task at path, starting with its title.
    std::shared_ptr<ProgressChannel> open(std::string path, TitleValue title);
    // Queues what the channel still holds, on the calling thread, and closes it. Called right
    // before the task is completed, so that its last progress reaches the scheduler first.
    //
    // It waits at most `wait` for a send of the flusher's that is under way. sdbus-c++ holds its
    // bus mutex while callbacks run, so a flusher send may be blocked by the very thread that is
    // completing the task from a handler: that thread must pass zero. The flusher's older value
    // then reaches the bus after the callback, behind the completion, where bgtaskd ignores it
    // (the task object is gone).
    void close(ProgressChannel& channel, std::chrono::milliseconds wait) noexcept;
    // Stops and joins the thread; nothing is sent afterwards. Idempotent.
    void stop() noexcept;

    void wake() noexcept override;

    bool progressSupported() const noexcept { return progressSupported_.load(); }
    bool titleSupported() const noexcept { return titleSupported_.load(); }

private:
    void run() noexcept;
    // Collects the channels with something due now and the earliest later due time.
    std::vector<std::shared_ptr<ProgressChannel>> dueChannels(Clock::time_point now,
                                                              std::optional<Clock::time_point>& next);
    void send(ProgressChannel& channel, const ProgressChannel::Due& due) noexcept;

    ProgressSender& sender_;
    const Clock::duration interval_;
    std::atomic<bool> progressSupported_{true};
    std::atomic<bool> titleSupported_{true};

    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::weak_ptr<ProgressChannel>> channels_;
    bool woken_ = false;
    bool stopping_ = false;
    std::thread thread_;
};

} // namespace bgtask::detail
