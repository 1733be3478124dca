// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ProgressFlusher.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace bgtask::detail;
using namespace std::chrono_literals;

namespace {

class FakeSender final : public ProgressSender {
public:
    Outcome sendProgress(const std::string& path, const ProgressValue& value) noexcept override
    {
        std::lock_guard lock(mutex_);
        progress.emplace_back(path, value);
        return progressOutcome;
    }
    Outcome sendTitle(const std::string& path, const TitleValue& value) noexcept override
    {
        std::lock_guard lock(mutex_);
        titles.emplace_back(path, value);
        return titleOutcome;
    }

    std::size_t progressCount()
    {
        std::lock_guard lock(mutex_);
        return progress.size();
    }
    std::size_t titleCount()
    {
        std::lock_guard lock(mutex_);
        return titles.size();
    }
    ProgressValue lastProgress()
    {
        std::lock_guard lock(mutex_);
        return progress.back().second;
    }

    Outcome progressOutcome = Outcome::Sent;
    Outcome titleOutcome = Outcome::Sent;
    std::vector<std::pair<std::string, ProgressValue>> progress;
    std::vector<std::pair<std::string, TitleValue>> titles;

private:
    std::mutex mutex_;
};

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 5000ms)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition())
            return true;
        std::this_thread::sleep_for(1ms);
    }
    return condition();
}

} // namespace

TEST_CASE("The first progress update reaches the sender at once, the rest wait for the interval")
{
    FakeSender sender;
    auto flusher = std::make_shared<ProgressFlusher>(sender, 1h);
    auto channel = flusher->open("/org/bgtaskd/task/1", TitleValue{"Export", ""});
    channel->setProgress(1, 1000);
    REQUIRE(eventually([&] { return sender.progressCount() == 1; }));
    for (int i = 2; i <= 1000; ++i)
        channel->setProgress(i, std::nullopt);
    std::this_thread::sleep_for(50ms);
    CHECK(sender.progressCount() == 1);  // coalesced: nothing more within the hour
    CHECK(channel->progress() == ProgressValue{1000, 1000});
    // Closing (right before completion) sends the last value on the calling thread.
    flusher->close(*channel);
    REQUIRE(sender.progressCount() == 2);
    CHECK(sender.progress.back() == std::pair<std::string, ProgressValue>{"/org/bgtaskd/task/1", {1000, 1000}});
    CHECK(sender.titleCount() == 0);  // the title never changed
}

TEST_CASE("The last value of a burst arrives without closing the channel")
{
    FakeSender sender;
    auto flusher = std::make_shared<ProgressFlusher>(sender, 20ms);
    auto channel = flusher->open("/t", {});
    for (int i = 1; i <= 2000; ++i)
        channel->setProgress(i, 2000);
    REQUIRE(eventually([&] { return sender.progressCount() > 0 && sender.lastProgress() == ProgressValue{2000, 2000}; }));
    CHECK(sender.progressCount() < 50);
}

TEST_CASE("After an Unsupported answer nothing of that kind is sent again, for any task")
{
    FakeSender sender;
    sender.progressOutcome = ProgressSender::Outcome::Unsupported;
    auto flusher = std::make_shared<ProgressFlusher>(sender, 1ms);
    auto first = flusher->open("/t/1", {});
    first->setProgress(1, 10);
    REQUIRE(eventually([&] { return !flusher->progressSupported(); }));
    first->setProgress(2, 10);
    auto second = flusher->open("/t/2", {});
    second->setProgress(5, 10);
    second->setTitle(TitleValue{"Still", "going"});
    REQUIRE(eventually([&] { return sender.titleCount() == 1; }));
    flusher->close(*first);
    flusher->close(*second);
    CHECK(sender.progressCount() == 1);
    CHECK(flusher->titleSupported());
    // The values stay readable locally.
    CHECK(second->progress() == ProgressValue{5, 10});
    CHECK(second->title() == TitleValue{"Still", "going"});
}

TEST_CASE("A failed send is retried with the next value")
{
    FakeSender sender;
    sender.progressOutcome = ProgressSender::Outcome::Failed;
    auto flusher = std::make_shared<ProgressFlusher>(sender, 1ms);
    auto channel = flusher->open("/t", {});
    channel->setProgress(1, 3);
    REQUIRE(eventually([&] { return sender.progressCount() == 1; }));
    channel->setProgress(2, 3);
    REQUIRE(eventually([&] { return sender.progressCount() == 2; }));
    CHECK(flusher->progressSupported());
}

TEST_CASE("A closed channel takes no more updates and negative counts read as zero")
{
    FakeSender sender;
    auto flusher = std::make_shared<ProgressFlusher>(sender, 1h);
    auto channel = flusher->open("/t", TitleValue{"A", "B"});
    channel->setProgress(-5, -1);
    CHECK(channel->progress() == ProgressValue{0, 0});
    flusher->close(*channel);
    channel->setProgress(7, 9);
    channel->setTitle(TitleValue{"C", "D"});
    CHECK(channel->progress() == ProgressValue{0, 0});
    CHECK(channel->title() == TitleValue{"A", "B"});
    CHECK(channel->isClosed());
}

TEST_CASE("Stopping the flusher joins its thread and later closes still send synchronously")
{
    FakeSender sender;
    auto flusher = std::make_shared<ProgressFlusher>(sender, 1h);
    auto channel = flusher->open("/t", {});
    flusher->stop();
    flusher->stop();
    channel->setProgress(3, 4);
    flusher->close(*channel);
    REQUIRE(sender.progressCount() == 1);
    CHECK(sender.lastProgress() == ProgressValue{3, 4});
}
