// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ProgressChannel.h"

#include <algorithm>

namespace bgtask::detail {

ProgressChannel::ProgressChannel(std::string path, TitleValue title, Clock::duration interval,
                                 std::weak_ptr<ProgressWaker> waker)
    : path_(std::move(path))
    , waker_(std::move(waker))
    , title_(std::move(title))
    , progressOut_(interval)
    , titleOut_(interval)
{
}

ProgressValue ProgressChannel::progress() const
{
    std::lock_guard lock(mutex_);
    return progress_;
}

void ProgressChannel::setProgress(std::optional<std::int64_t> completed, std::optional<std::int64_t> total)
{
    bool due = false;
    {
        std::lock_guard lock(mutex_);
        if (closed_)
            return;
        if (completed)
            progress_.completed = std::max<std::int64_t>(*completed, 0);
        if (total)
            progress_.total = std::max<std::int64_t>(*total, 0);
        due = progressOut_.update(progress_);
    }
    if (due)
        wake();
}

TitleValue ProgressChannel::title() const
{
    std::lock_guard lock(mutex_);
    return title_;
}

void ProgressChannel::setTitle(TitleValue title)
{
    bool due = false;
    {
        std::lock_guard lock(mutex_);
        if (closed_)
            return;
        title_ = std::move(title);
        due = titleOut_.update(title_);
    }
    if (due)
        wake();
}

std::optional<ProgressChannel::Clock::time_point> ProgressChannel::dueAt() const
{
    std::lock_guard lock(mutex_);
    const auto a = progressOut_.dueAt();
    const auto b = titleOut_.dueAt();
    if (a && b)
        return std::min(*a, *b);
    return a ? a : b;
}

ProgressChannel::Due ProgressChannel::takeDue(Clock::time_point now)
{
    std::lock_guard lock(mutex_);
    return Due{progressOut_.take(now), titleOut_.take(now)};
}

ProgressChannel::Due ProgressChannel::close(Clock::time_point now)
{
    std::lock_guard lock(mutex_);
    closed_ = true;
    return Due{progressOut_.takeFinal(now), titleOut_.takeFinal(now)};
}

bool ProgressChannel::isClosed() const
{
    std::lock_guard lock(mutex_);
    return closed_;
}

void ProgressChannel::wake()
{
    if (auto waker = waker_.lock())
        waker->wake();
}

} // namespace bgtask::detail
