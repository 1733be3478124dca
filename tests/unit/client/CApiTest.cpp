// SPDX-License-Identifier: LGPL-2.1-or-later
// The C API's own logic without a bus: requests, errors, and the life of task handles.
#include "CApi.h"
#include "ProgressFlusher.h"
#include "TaskImpl.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
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

class NullSender final : public detail::ProgressSender {
public:
    void sendProgress(const std::string&, const detail::ProgressValue&, Report report) noexcept override
    {
        report(Outcome::Sent);
    }
    void sendTitle(const std::string&, const detail::TitleValue&, Report report) noexcept override
    {
        report(Outcome::Sent);
    }
};

struct Expired {
    bgtask_expiration_reason reason = BGTASK_EXPIRATION_OTHER;
    std::string name;
    int calls = 0;
};

void onExpire(bgtask_task* task, bgtask_expiration_reason reason, const char* name, void* data)
{
    auto* expired = static_cast<Expired*>(data);
    expired->reason = reason;
    expired->name = name;
    ++expired->calls;
    bgtask_task_set_completed(task, false);
}

} // namespace

TEST_CASE("A new request has every option at its default and knows its kind and identifier")
{
    auto* r = bgtask_request_new(BGTASK_KIND_PROCESSING, "org.example.Sync.db");
    REQUIRE(r != nullptr);
    CHECK(bgtask_request_get_kind(r) == BGTASK_KIND_PROCESSING);
    CHECK(std::string(bgtask_request_get_identifier(r)) == "org.example.Sync.db");
    CHECK(bgtask_request_get_earliest_begin_date(r) == 0);
    CHECK_FALSE(bgtask_request_get_requires_external_power(r));
    CHECK(bgtask_request_get_network_type(r) == BGTASK_NETWORK_TYPE_DEFAULT);
    CHECK(bgtask_request_get_strategy(r) == BGTASK_STRATEGY_QUEUE);
    CHECK(std::string(bgtask_request_get_title(r)).empty());
    bgtask_request_free(r);
    CHECK(bgtask_request_new(BGTASK_KIND_APP_REFRESH, nullptr) == nullptr);
    CHECK(bgtask_request_new(static_cast<bgtask_kind>(42), "a.b") == nullptr);
    bgtask_request_free(nullptr);
}

TEST_CASE("Request setters apply only to the kinds that have the option")
{
    auto* refresh = bgtask_request_new(BGTASK_KIND_APP_REFRESH, "a.refresh");
    auto* research = bgtask_request_new(BGTASK_KIND_HEALTH_RESEARCH, "a.study");
    auto* export_ = bgtask_request_new(BGTASK_KIND_CONTINUED_PROCESSING, "a.export.1");

    CHECK(bgtask_request_set_earliest_begin_date(refresh, 1'700'000'000'000'000) == 0);
    CHECK(bgtask_request_get_earliest_begin_date(refresh) == 1'700'000'000'000'000);
    CHECK(bgtask_request_set_requires_external_power(refresh, true) == -1);
    CHECK(bgtask_request_set_title(refresh, "x") == -1);
    CHECK_FALSE(bgtask_request_get_requires_external_power(refresh));

    // Health research is processing with a protection type.
    CHECK(bgtask_request_set_requires_network_connectivity(research, true) == 0);
    CHECK(bgtask_request_set_network_type(research, BGTASK_NETWORK_TYPE_UNMETERED) == 0);
    CHECK(bgtask_request_set_requires_battery_not_low(research, true) == 0);
    CHECK(bgtask_request_set_protection_type(research, BGTASK_PROTECTION_TYPE_COMPLETE) == 0);
    CHECK(bgtask_request_set_protection_type(research, static_cast<bgtask_protection_type>(9)) == -1);
    CHECK(bgtask_request_get_requires_network_connectivity(research));
    CHECK(bgtask_request_get_network_type(research) == BGTASK_NETWORK_TYPE_UNMETERED);
    CHECK(bgtask_request_get_requires_battery_not_low(research));
    CHECK(bgtask_request_get_protection_type(research) == BGTASK_PROTECTION_TYPE_COMPLETE);
    CHECK(bgtask_request_set_strategy(research, BGTASK_STRATEGY_FAIL) == -1);
    const auto& cxx = std::get<HealthResearchTaskRequest>(research->request);
    CHECK(cxx.networkType == NetworkType::Unmetered);
    CHECK(cxx.protectionTypeOfRequiredData == ProtectionType::Complete);

    CHECK(bgtask_request_set_title(export_, "Exporting") == 0);
    CHECK(bgtask_request_set_subtitle(export_, "12 photos") == 0);
    CHECK(bgtask_request_set_strategy(export_, BGTASK_STRATEGY_FAIL) == 0);
    CHECK(bgtask_request_set_required_resources(export_, BGTASK_RESOURCE_GPU) == 0);
    CHECK(bgtask_request_set_protection_type(export_, BGTASK_PROTECTION_TYPE_NONE) == -1);
    auto* copy = bgtask_request_copy(export_);
    bgtask_request_free(export_);
    CHECK(std::string(bgtask_request_get_title(copy)) == "Exporting");
    CHECK(std::string(bgtask_request_get_subtitle(copy)) == "12 photos");
    CHECK(bgtask_request_get_strategy(copy) == BGTASK_STRATEGY_FAIL);
    CHECK(bgtask_request_get_required_resources(copy) == BGTASK_RESOURCE_GPU);

    bgtask_request_free(copy);
    bgtask_request_free(research);
    bgtask_request_free(refresh);
}

TEST_CASE("Errors carry the code, Apple's code, the sub-reason and the message, and free cleanly")
{
    auto* error = capi::newError(SchedulerError(SchedulerError::Code::NoScheduler, "no-scheduler", "nobody home"));
    REQUIRE(error != nullptr);
    CHECK(error->code == BGTASK_ERROR_NO_SCHEDULER);
    CHECK(error->apple_code == 1);
    CHECK(std::string(error->sub_reason) == "no-scheduler");
    CHECK(std::string(error->message) == "nobody home");
    bgtask_error_free(error);
    bgtask_error_free(nullptr);
    CHECK(std::string(bgtask_error_code_to_string(BGTASK_ERROR_NOT_PERMITTED)) == "NotPermitted");
    CHECK(std::string(bgtask_error_code_to_string(static_cast<bgtask_error_code>(7))) == "Internal");

    bgtask_error* out = nullptr;
    CHECK(capi::guarded(&out, []() -> int { throw SchedulerError(SchedulerError::Code::NotFound, "gone", "x"); }) == -1);
    REQUIRE(out != nullptr);
    CHECK(out->code == BGTASK_ERROR_NOT_FOUND);
    bgtask_error_free(out);
    CHECK(capi::guarded(nullptr, []() -> int { throw std::runtime_error("boom"); }) == -1);
}

TEST_CASE("A task handle lives until its task completes, and as long as the app holds a reference")
{
    auto completer = std::make_shared<RecordingCompleter>();
    auto task = std::make_shared<Task>(
        std::make_unique<Task::Impl>(completer, "/org/bgtaskd/task/3", "a.refresh", TaskKind::AppRefresh, std::nullopt, true));
    std::weak_ptr<Task> weak = task;
    bgtask_task* handle = capi::newTaskHandle(task);
    task.reset();
    CHECK(std::string(bgtask_task_get_identifier(handle)) == "a.refresh");
    CHECK(bgtask_task_get_kind(handle) == BGTASK_KIND_APP_REFRESH);
    CHECK(bgtask_task_get_deadline(handle) == 0);
    CHECK(bgtask_task_is_simulated(handle));
    CHECK(bgtask_task_set_progress(handle, 1, 2) == -1);  // not continued processing

    bgtask_task_ref(handle);
    bgtask_task_set_completed(handle, true);
    bgtask_task_set_completed(handle, false);
    REQUIRE(completer->calls.size() == 1);
    CHECK(completer->calls[0].second);
    CHECK(bgtask_task_is_completed(handle));
    CHECK_FALSE(weak.expired());  // the app's reference
    bgtask_task_unref(handle);
    CHECK(weak.expired());
}

TEST_CASE("A C task hands out a copy of its checkpoint and saves new ones through the scheduler")
{
    auto completer = std::make_shared<RecordingCompleter>();
    auto task = std::make_shared<Task>(std::make_unique<Task::Impl>(
        completer, "/t/9", "a.sync", TaskKind::Processing, std::nullopt, false, nullptr,
        std::vector<std::uint8_t>{'p', 0, 'q'}));
    bgtask_task* handle = capi::newTaskHandle(task);
    std::size_t size = 99;
    auto* data = bgtask_task_get_checkpoint(handle, &size);
    REQUIRE(size == 3);
    CHECK(std::memcmp(data, "p\0q", 3) == 0);
    std::free(data);

    CHECK(bgtask_task_save_checkpoint(handle, "xyz", 2, nullptr) == 0);
    REQUIRE(completer->saved.size() == 1);
    CHECK(completer->saved[0] == std::pair<std::string, std::vector<std::uint8_t>>{"/t/9", {'x', 'y'}});
    data = bgtask_task_get_checkpoint(handle, &size);
    CHECK(size == 2);
    std::free(data);

    completer->refusal = SchedulerError(SchedulerError::Code::InvalidArgument, "checkpoint-too-large", "too big");
    bgtask_error* error = nullptr;
    CHECK(bgtask_task_save_checkpoint(handle, "abc", 3, &error) == -1);
    REQUIRE(error != nullptr);
    CHECK(error->code == BGTASK_ERROR_INVALID_ARGUMENT);
    CHECK(std::string(error->sub_reason) == "checkpoint-too-large");
    bgtask_error_free(error);
    data = bgtask_task_get_checkpoint(handle, &size);
    CHECK(size == 2);   // a refused checkpoint changes nothing
    std::free(data);

    completer->refusal.reset();
    CHECK(bgtask_task_save_checkpoint(handle, nullptr, 0, nullptr) == 0);   // removes it
    CHECK(bgtask_task_get_checkpoint(handle, &size) == nullptr);
    CHECK(size == 0);
    bgtask_task_set_completed(handle, true);
}

TEST_CASE("A C expiration handler gets the reason and name, and completing releases everything")
{
    auto completer = std::make_shared<RecordingCompleter>();
    auto task = std::make_shared<Task>(
        std::make_unique<Task::Impl>(completer, "/t/4", "a.sync", TaskKind::Processing, std::nullopt, false));
    std::weak_ptr<Task> weak = task;
    bgtask_task* handle = capi::newTaskHandle(task);
    Expired expired;
    bgtask_task_set_expiration_handler(handle, onExpire, &expired);
    detail::TaskAccess::impl(*task).expire(*task, ExpirationReason::fromString("network-lost"));
    CHECK(expired.calls == 1);
    CHECK(expired.reason == BGTASK_EXPIRATION_NETWORK_LOST);
    CHECK(expired.name == "network-lost");
    REQUIRE(completer->calls.size() == 1);
    CHECK_FALSE(completer->calls[0].second);
    task.reset();
    CHECK(weak.expired());  // handle, handler and task are gone
}

TEST_CASE("An expiration without a C handler completes the task and releases the handle")
{
    auto completer = std::make_shared<RecordingCompleter>();
    auto task = std::make_shared<Task>(
        std::make_unique<Task::Impl>(completer, "/t/5", "a.sync", TaskKind::Processing, std::nullopt, false));
    std::weak_ptr<Task> weak = task;
    bgtask_task* handle = capi::newTaskHandle(task);
    Expired expired;
    bgtask_task_set_expiration_handler(handle, onExpire, &expired);
    bgtask_task_set_expiration_handler(handle, nullptr, nullptr);
    detail::TaskAccess::impl(*task).expire(*task, ExpirationReason::fromString("time-limit"));
    CHECK(expired.calls == 0);
    REQUIRE(completer->calls.size() == 1);
    task.reset();
    CHECK(weak.expired());
}

TEST_CASE("Continued-processing handles report progress and titles")
{
    NullSender sender;
    auto flusher = std::make_shared<detail::ProgressFlusher>(sender, std::chrono::hours(1));
    auto completer = std::make_shared<RecordingCompleter>();
    auto channel = flusher->open("/t/6", detail::TitleValue{"Exporting", "12 photos"});
    auto task = std::make_shared<ContinuedProcessingTask>(std::make_unique<Task::Impl>(
        completer, "/t/6", "a.export.1", TaskKind::ContinuedProcessing, std::nullopt, false, channel));
    bgtask_task* handle = capi::newTaskHandle(task);
    CHECK(bgtask_task_set_progress(handle, 3, 12) == 0);
    CHECK(bgtask_task_get_completed_unit_count(handle) == 3);
    CHECK(bgtask_task_get_total_unit_count(handle) == 12);
    CHECK(task->progress().fractionCompleted() == Approx(0.25));
    char* title = bgtask_task_get_title(handle);
    CHECK(std::string(title) == "Exporting");
    std::free(title);
    CHECK(bgtask_task_update_title(handle, "Uploading", nullptr) == 0);
    CHECK(bgtask_task_update_title(handle, nullptr, "x") == -1);
    char* subtitle = bgtask_task_get_subtitle(handle);
    CHECK(std::string(subtitle).empty());
    std::free(subtitle);
    CHECK(task->title() == "Uploading");
    bgtask_task_set_completed(handle, true);
    CHECK(completer->calls.size() == 1);
    flusher->stop();
}
