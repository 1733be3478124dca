// SPDX-License-Identifier: LGPL-2.1-or-later
#include "TaskObjects.h"

#include "OptionCodec.h"
#include "Reply.h"

#include <bgtask-glue/Task1-adaptor.h>

#include <string>
#include <vector>

namespace bgtask::bus {

class TaskObject final : public sdbus::AdaptorInterfaces<org::bgtaskd::Task1_adaptor> {
public:
    TaskObject(sdbus::IConnection& connection, service::TaskService& service,
               const core::RunningTask& run)
        : AdaptorInterfaces(connection, taskObjectPath(run.runId)), service_(service),
          runId_(run.runId), identifier_(run.request.identifier),
          kind_(toString(run.request.kind)), deadline_(run.deadline ? core::toUsec(*run.deadline) : 0)
    {
        progress_.title = run.request.options.title.value_or("");
        progress_.subtitle = run.request.options.subtitle.value_or("");
        progress_.stallDeadline = run.stallDeadline;
        registerAdaptor();
    }
    ~TaskObject() { unregisterAdaptor(); }

    // Stores the new values and announces only those that differ from the published ones.
    void update(const service::TaskProgress& progress)
    {
        std::vector<std::string> changed;
        if (progress.completed != progress_.completed)
            changed.emplace_back("CompletedUnitCount");
        if (progress.total != progress_.total)
            changed.emplace_back("TotalUnitCount");
        if (progress.title != progress_.title)
            changed.emplace_back("Title");
        if (progress.subtitle != progress_.subtitle)
            changed.emplace_back("Subtitle");
        if (progress.stallDeadline != progress_.stallDeadline)
            changed.emplace_back("StallDeadline");
        progress_ = progress;
        if (!changed.empty())
            getObject().emitPropertiesChangedSignal(INTERFACE_NAME, changed);
    }

private:
    std::string sender() const { return getObject().getCurrentlyProcessedMessage()->getSender(); }

    void SetTaskCompleted(sdbus::Result<>&& result, bool success) override
    {
        service_.complete(sender(), runId_, success, replyWhenDone(std::move(result)));
    }
    void SaveCheckpoint(sdbus::Result<>&& result, std::vector<uint8_t> data) override
    {
        const auto done = replyWhenDone(std::move(result));
        try {
            service_.saveCheckpoint(sender(), runId_, std::move(data), done);
        } catch (const core::Error& e) {
            done(&e);
        }
    }
    void UpdateProgress(const int64_t& completed, const int64_t& total) override
    {
        translated("UpdateProgress", [&] { service_.updateProgress(sender(), runId_, completed, total); });
    }
    void UpdateTitle(const std::string& title, const std::string& subtitle) override
    {
        translated("UpdateTitle", [&] { service_.updateTitle(sender(), runId_, title, subtitle); });
    }
    std::string Identifier() override { return identifier_; }
    std::string Kind() override { return kind_; }
    int64_t Deadline() override { return deadline_; }
    int64_t CompletedUnitCount() override { return progress_.completed; }
    int64_t TotalUnitCount() override { return progress_.total; }
    std::string Title() override { return progress_.title; }
    std::string Subtitle() override { return progress_.subtitle; }
    int64_t StallDeadline() override
    {
        return progress_.stallDeadline ? core::toUsec(*progress_.stallDeadline) : 0;
    }

    service::TaskService& service_;
    std::int64_t runId_;
    std::string identifier_;
    std::string kind_;
    std::int64_t deadline_;
    service::TaskProgress progress_;
};

TaskObjects::TaskObjects(sdbus::IConnection& connection, service::TaskService& service,
                         std::function<void(std::function<void()>)> defer)
    : connection_(connection), service_(service), defer_(std::move(defer))
{
}

TaskObjects::~TaskObjects() = default;

void TaskObjects::publish(const core::RunningTask& run)
{
    objects_[run.runId] = std::make_unique<TaskObject>(connection_, service_, run);
}

void TaskObjects::update(std::int64_t runId, const service::TaskProgress& progress)
{
    // A run that ended in the meantime has nothing left to show.
    if (const auto it = objects_.find(runId); it != objects_.end())
        it->second->update(progress);
}

void TaskObjects::withdraw(std::int64_t runId)
{
    auto node = objects_.extract(runId);
    if (node.empty())
        return;
    finished_.push_back(std::move(node.mapped()));
    if (finished_.size() <= kKeptFinished)
        return;
    // Keep the evicted object alive until the current handler has returned: it may be its own.
    auto object = std::shared_ptr<TaskObject>(std::move(finished_.front()));
    finished_.pop_front();
    defer_([object]() mutable { object.reset(); });
}

} // namespace bgtask::bus
