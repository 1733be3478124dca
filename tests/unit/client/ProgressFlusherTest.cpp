// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ProgressFlusher.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
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
    // Reports at once, as if the reply had come back before the next send.
    void sendProgress(const std::string& path, const ProgressValue& value, Report report) noexcept override
    {
        {
            std::lock_guard lock(mutex_);
            progress.emplace_back(path, value);
        }
        report(progressOutcome);
    }
    void sendTitle(const std::string& path, const TitleValue& value, Report report) noexcept override
    {
        {
            std::lock_guard lock(mutex_);
            titles.emplace_back(path, value);
        }
        report(titleOutcome);
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
    flusher->close(*channel, 100ms);
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
    flusher->close(*first, 100ms);
    flusher->close(*second, 100ms);
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
    flusher->close(*channel, 100ms);
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
    flusher->close(*channel, 100ms);
    REQUIRE(sender.progressCount() == 1);
    CHECK(sender.lastProgress() == ProgressValue{3, 4});
}

namespace {

// Blocks every send until released, as sdbus-c++ blocks a send while a callback holds its mutex.
class BlockingSender final : public ProgressSender {
public:
    void sendProgress(const std::string&, const ProgressValue& value, Report report) noexcept override
    {
        std::unique_lock lock(mutex_);
        sent.push_back(value);
        ++entered;
        changed_.notify_all();
        if (sent.size() == 1)
            changed_.wait(lock, [this] { return released; });
        lock.unlock();
        report(Outcome::Sent);
    }
    void sendTitle(const std::string&, const TitleValue&, Report report) noexcept override { report(Outcome::Sent); }

    void waitUntilEntered()
    {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [this] { return entered > 0; });
    }
    void release()
    {
        std::lock_guard lock(mutex_);
        released = true;
        changed_.notify_all();
    }

    std::vector<ProgressValue> sent;
    int entered = 0;
    bool released = false;

private:
    std::mutex mutex_;
    std::condition_variable changed_;
};

} // namespace

TEST_CASE("Closing from a thread that runs the bus never waits for a send that is under way")
{
    BlockingSender sender;
    auto flusher = std::make_shared<ProgressFlusher>(sender, 1ms);
    auto channel = flusher->open("/t", {});
    channel->setProgress(1, 2);
    sender.waitUntilEntered();  // the flusher now holds the channel's send lock, blocked
    channel->setProgress(2, 2);
    const auto started = std::chrono::steady_clock::now();
    flusher->close(*channel, 0ms);
    CHECK(std::chrono::steady_clock::now() - started < 50ms);
    sender.release();
    flusher->stop();
    REQUIRE(sender.sent.size() == 2);
    CHECK(sender.sent[1] == ProgressValue{2, 2});
}

TEST_CASE("Closing from another thread waits a little for a send that is under way, then goes ahead")
{
    BlockingSender sender;
    auto flusher = std::make_shared<ProgressFlusher>(sender, 1ms);
    auto channel = flusher->open("/t", {});
    channel->setProgress(1, 2);
    sender.waitUntilEntered();
    channel->setProgress(2, 2);
    const auto started = std::chrono::steady_clock::now();
    flusher->close(*channel, 30ms);
    const auto waited = std::chrono::steady_clock::now() - started;
    CHECK(waited >= 30ms);
    CHECK(waited < 1s);
    sender.release();
    flusher->stop();
    CHECK(sender.sent.size() == 2);
}
