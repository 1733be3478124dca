// SPDX-License-Identifier: LGPL-2.1-or-later
#include "TaskImpl.h"

#include <bgtask/SchedulerError.h>

#include <catch2/catch.hpp>

#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <vector>

using namespace bgtask;

namespace {

class RecordingCompleter final : public detail::TaskCompleter {
public:
    void completeTask(const std::string& path, bool success) noexcept override { calls.emplace_back(path, success); }
    void forgetTask(const std::string& path) noexcept override { forgotten.push_back(path); }
    // Saves what it is given, or throws `refusal` when set (as bgtaskd's error would come back).
    void saveCheckpoint(const std::string& path, std::span<const std::uint8_t> data) override
    {
        if (refusal)
            throw *refusal;
        saved.emplace_back(path, std::vector<std::uint8_t>(data.begin(), data.end()));
    }
    std::vector<std::pair<std::string, bool>> calls;
    std::vector<std::string> forgotten;
    std::vector<std::pair<std::string, std::vector<std::uint8_t>>> saved;
    std::optional<SchedulerError> refusal;
};

struct Fixture {
    std::shared_ptr<RecordingCompleter> completer = std::make_shared<RecordingCompleter>();
    Task::Impl* impl = nullptr;
    std::shared_ptr<Task> task;

    Fixture()
    {
        auto owned = std::make_unique<Task::Impl>(completer, "/org/bgtaskd/task/1", "org.example.Feeds.refresh",
                                                  TaskKind::AppRefresh, std::nullopt, true);
        impl = owned.get();
        task = std::make_shared<Task>(std::move(owned));
    }
};

} // namespace

TEST_CASE("A task reports what its launch said")
{
    Fixture f;
    CHECK(f.task->identifier() == "org.example.Feeds.refresh");
    CHECK(f.task->kind() == TaskKind::AppRefresh);
    CHECK_FALSE(f.task->deadline().has_value());
    CHECK(f.task->isSimulated());
    CHECK_FALSE(f.task->isCompleted());
}

TEST_CASE("Only the first setTaskCompleted reaches the scheduler")
{
    Fixture f;
    f.task->setTaskCompleted(true);
    f.task->setTaskCompleted(false);
    REQUIRE(f.completer->calls.size() == 1);
    CHECK(f.completer->calls[0] == std::pair<std::string, bool>{"/org/bgtaskd/task/1", true});
    CHECK(f.task->isCompleted());
}

TEST_CASE("A task that expires without an expiration handler is completed as failed")
{
    Fixture f;
    f.impl->expire(*f.task, ExpirationReason::fromString("time-limit"));
    REQUIRE(f.completer->calls.size() == 1);
    CHECK_FALSE(f.completer->calls[0].second);
}

TEST_CASE("A task without an expiration handler ends at expiry without telling bgtaskd again")
{
    Fixture f;
    CHECK(f.impl->endWithoutHandler());
    CHECK(f.task->isCompleted());
    CHECK(f.completer->calls.empty());   // bgtaskd ends it as failed itself
    REQUIRE(f.completer->forgotten.size() == 1);
    CHECK_FALSE(f.impl->endWithoutHandler());
    f.task->setTaskCompleted(true);      // a late completion is a no-op
    CHECK(f.completer->calls.empty());
}

TEST_CASE("A task with an expiration handler is not ended without it")
{
    Fixture f;
    f.task->setExpirationHandler([](const ExpirationReason&) {});
    CHECK_FALSE(f.impl->endWithoutHandler());
    CHECK_FALSE(f.task->isCompleted());
    CHECK(f.completer->forgotten.empty());
}

TEST_CASE("The expiration handler is called once with the reason and the app completes the task")
{
    Fixture f;
    std::vector<ExpirationReason> seen;
    f.task->setExpirationHandler([&](const ExpirationReason& reason) { seen.push_back(reason); });
    f.impl->expire(*f.task, ExpirationReason::fromString("network-lost"));
    f.impl->expire(*f.task, ExpirationReason::fromString("time-limit"));
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].code == ExpirationReason::Code::NetworkLost);
    CHECK(seen[0].name == "network-lost");
    CHECK(f.completer->calls.empty());  // completing is the handler's job
}

TEST_CASE("An expiration handler that throws completes the task as failed")
{
    Fixture f;
    f.task->setExpirationHandler([](const ExpirationReason&) { throw std::runtime_error("boom"); });
    f.impl->expire(*f.task, ExpirationReason::fromString("stalled"));
    REQUIRE(f.completer->calls.size() == 1);
    CHECK_FALSE(f.completer->calls[0].second);
}

TEST_CASE("A completed task is not expired and does not keep its captured self alive")
{
    Fixture f;
    bool called = false;
    f.task->setExpirationHandler([task = f.task, &called](const ExpirationReason&) { called = true; });
    std::weak_ptr<Task> weak = f.task;
    f.task->setTaskCompleted(true);
    f.impl->expire(*f.task, ExpirationReason::fromString("time-limit"));
    CHECK_FALSE(called);
    f.task.reset();
    CHECK(weak.expired());
}

TEST_CASE("Expiration reasons newer than the library keep their name")
{
    const auto reason = ExpirationReason::fromString("solar-flare");
    CHECK(reason.code == ExpirationReason::Code::Other);
    CHECK(reason.name == "solar-flare");
    CHECK(ExpirationReason::fromString("daemon-shutdown").code == ExpirationReason::Code::DaemonShutdown);
}

TEST_CASE("A task whose scheduler is gone completes into nothing")
{
    auto completer = std::make_shared<RecordingCompleter>();
    auto task = std::make_shared<Task>(std::make_unique<Task::Impl>(completer, "/p", "i", TaskKind::Processing,
                                                                    std::nullopt, false));
    completer.reset();
    task->setTaskCompleted(true);
    CHECK(task->isCompleted());
}

TEST_CASE("The completion observer runs once, after the scheduler was told")
{
    Fixture f;
    int observed = 0;
    f.impl->setCompletionObserver([&] {
        CHECK(f.completer->calls.size() == 1);
        ++observed;
    });
    f.task->setTaskCompleted(true);
    f.task->setTaskCompleted(true);
    CHECK(observed == 1);
}

TEST_CASE("Expiration reason codes have their bus spellings")
{
    using Code = ExpirationReason::Code;
    CHECK(toString(Code::TimeLimit) == "time-limit");
    CHECK(toString(Code::UserCancelled) == "user-cancelled");
    CHECK(toString(Code::DaemonShutdown) == "daemon-shutdown");
    CHECK(toString(Code::Other) == "other");
    for (auto code : {Code::ExternalPowerLost, Code::NetworkLost, Code::SessionLocked, Code::UserActive, Code::Stalled,
                      Code::Simulated, Code::AppCancelled})
        CHECK(ExpirationReason::fromString(std::string(toString(code))).code == code);
}

TEST_CASE("A continued-processing task needs a progress channel")
{
    auto completer = std::make_shared<RecordingCompleter>();
    CHECK_THROWS_AS(ContinuedProcessingTask(std::make_unique<Task::Impl>(completer, "/p", "i",
                                                                         TaskKind::ContinuedProcessing, std::nullopt,
                                                                         false)),
                    std::invalid_argument);
}

TEST_CASE("A task's checkpoint starts as the launch's and follows saves, and a completed task refuses to save")
{
    auto completer = std::make_shared<RecordingCompleter>();
    auto task = std::make_shared<Task>(std::make_unique<Task::Impl>(
        completer, "/t/1", "a.sync", TaskKind::Processing, std::nullopt, false, nullptr,
        std::vector<std::uint8_t>{1, 2}));
    CHECK(task->checkpoint() == std::vector<std::uint8_t>{1, 2});
    const std::vector<std::uint8_t> next{3, 4, 5};
    task->saveCheckpoint(next);
    CHECK(task->checkpoint() == next);
    REQUIRE(completer->saved.size() == 1);
    CHECK(completer->saved[0].second == next);
    task->setTaskCompleted(false);
    try {
        task->saveCheckpoint(next);
        FAIL("a completed task saved a checkpoint");
    } catch (const SchedulerError& e) {
        CHECK(e.code() == SchedulerError::Code::NotFound);
        CHECK(e.subReason() == "task-completed");
    }
    CHECK(completer->saved.size() == 1);
}
