// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ProgressChannel.h"
#include "TaskImpl.h"

#include <bgtask/Task.h>

#include <stdexcept>

namespace bgtask {
namespace {

detail::ProgressChannel& channelOf(Task::Impl& impl)
{
    // The core creates every continued-processing task with a channel.
    auto* channel = impl.channel();
    if (channel == nullptr)
        throw std::invalid_argument("a continued-processing task needs a progress channel");
    return *channel;
}

} // namespace

Progress::Progress(detail::ProgressChannel& channel) noexcept
    : channel_(channel)
{
}

std::int64_t Progress::totalUnitCount() const noexcept
{
    return channel_.progress().total;
}

void Progress::setTotalUnitCount(std::int64_t count) noexcept
{
    channel_.setProgress(std::nullopt, count);
}

std::int64_t Progress::completedUnitCount() const noexcept
{
    return channel_.progress().completed;
}

void Progress::setCompletedUnitCount(std::int64_t count) noexcept
{
    channel_.setProgress(count, std::nullopt);
}

void Progress::setUnitCounts(std::int64_t completed, std::int64_t total) noexcept
{
    channel_.setProgress(completed, total);
}

double Progress::fractionCompleted() const noexcept
{
    const auto value = channel_.progress();
    if (value.total <= 0)
        return 0.0;
    if (value.completed >= value.total)
        return 1.0;
    return static_cast<double>(value.completed) / static_cast<double>(value.total);
}

bool Progress::isFinished() const noexcept
{
    const auto value = channel_.progress();
    return value.total > 0 && value.completed >= value.total;
}

ContinuedProcessingTask::ContinuedProcessingTask(std::unique_ptr<Impl> impl)
    : Task(std::move(impl))
    , progress_(channelOf(this->impl()))
{
}

ContinuedProcessingTask::~ContinuedProcessingTask() = default;

std::string ContinuedProcessingTask::title() const
{
    return channelOf(impl()).title().title;
}

std::string ContinuedProcessingTask::subtitle() const
{
    return channelOf(impl()).title().subtitle;
}

void ContinuedProcessingTask::updateTitle(std::string title, std::string subtitle)
{
    channelOf(impl()).setTitle(detail::TitleValue{std::move(title), std::move(subtitle)});
}

} // namespace bgtask
