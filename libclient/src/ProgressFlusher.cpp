// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ProgressFlusher.h"

#include <algorithm>
#include <cstdio>

namespace bgtask::detail {

ProgressFlusher::ProgressFlusher(ProgressSender& sender, Clock::duration interval)
    : sender_(sender)
    , interval_(interval)
{
}

ProgressFlusher::~ProgressFlusher()
{
    stop();
}

std::shared_ptr<ProgressChannel> ProgressFlusher::open(std::string path, TitleValue title)
{
    auto channel = std::make_shared<ProgressChannel>(std::move(path), std::move(title), interval_, weak_from_this());
    std::lock_guard lock(mutex_);
    if (!stopping_ && !thread_.joinable())
        thread_ = std::thread([this] { run(); });
    channels_.push_back(channel);
    return channel;
}

void ProgressFlusher::close(ProgressChannel& channel, std::chrono::milliseconds wait) noexcept
{
    std::unique_lock sending(channel.sendMutex(), std::defer_lock);
    static_cast<void>(sending.try_lock_for(wait));  // see the header: never wait unboundedly here
    const auto due = channel.close(Clock::now());
    send(channel, due);
}

void ProgressFlusher::stop() noexcept
{
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id())
        thread_.join();
}

void ProgressFlusher::wake() noexcept
{
    {
        std::lock_guard lock(mutex_);
        woken_ = true;
    }
    changed_.notify_one();
}

std::vector<std::shared_ptr<ProgressChannel>> ProgressFlusher::dueChannels(Clock::time_point now,
                                                                           std::optional<Clock::time_point>& next)
{
    std::vector<std::shared_ptr<ProgressChannel>> due;
    next.reset();
    std::erase_if(channels_, [&](const std::weak_ptr<ProgressChannel>& weak) {
        auto channel = weak.lock();
        if (!channel || channel->isClosed())
            return true;
        if (auto at = channel->dueAt()) {
            if (*at <= now)
                due.push_back(std::move(channel));
            else if (!next || *at < *next)
                next = *at;
        }
        return false;
    });
    return due;
}

void ProgressFlusher::run() noexcept
{
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        std::optional<Clock::time_point> next;
        auto due = dueChannels(Clock::now(), next);
        if (due.empty()) {
            const auto woken = [this] { return woken_ || stopping_; };
            if (next)
                changed_.wait_until(lock, *next, woken);
            else
                changed_.wait(lock, woken);
            woken_ = false;
            continue;
        }
        lock.unlock();
        for (const auto& channel : due) {
            std::lock_guard sending(channel->sendMutex());
            send(*channel, channel->takeDue(Clock::now()));
        }
        due.clear();  // channels are released outside the lock
        lock.lock();
    }
}

void ProgressFlusher::send(ProgressChannel& channel, const ProgressChannel::Due& due) noexcept
{
    using Outcome = ProgressSender::Outcome;
    // The outcome may come after this flusher is gone (a reply processed at exit).
    const std::weak_ptr<ProgressFlusher> weak = weak_from_this();
    if (due.progress && progressSupported_.load()) {
        sender_.sendProgress(channel.path(), *due.progress, [weak](Outcome outcome) {
            if (auto self = weak.lock(); self && outcome == Outcome::Unsupported)
                self->progressSupported_.store(false);
        });
    }
    if (due.title && titleSupported_.load()) {
        sender_.sendTitle(channel.path(), *due.title, [weak](Outcome outcome) {
            if (auto self = weak.lock(); self && outcome == Outcome::Unsupported)
                self->titleSupported_.store(false);
        });
    }
}

} // namespace bgtask::detail
