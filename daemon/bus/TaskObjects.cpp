// SPDX-License-Identifier: LGPL-2.1-or-later
#include "TaskObjects.h"

#include "OptionCodec.h"
#include "Reply.h"

#include <bgtask-glue/Task1-adaptor.h>

namespace bgtask::bus {

class TaskObject final : public sdbus::AdaptorInterfaces<org::bgtaskd::Task1_adaptor> {
public:
    TaskObject(sdbus::IConnection& connection, service::TaskService& service,
               const core::RunningTask& run)
        : AdaptorInterfaces(connection, taskObjectPath(run.runId)), service_(service),
          runId_(run.runId), identifier_(run.request.identifier),
          kind_(toString(run.request.kind)), deadline_(run.deadline ? core::toUsec(*run.deadline) : 0)
    {
        registerAdaptor();
    }
    ~TaskObject() { unregisterAdaptor(); }

private:
    void SetTaskCompleted(sdbus::Result<>&& result, bool success) override
    {
        const auto caller = getObject().getCurrentlyProcessedMessage()->getSender();
        service_.complete(caller, runId_, success, replyWhenDone(std::move(result)));
    }
    std::string Identifier() override { return identifier_; }
    std::string Kind() override { return kind_; }
    int64_t Deadline() override { return deadline_; }

    service::TaskService& service_;
    std::int64_t runId_;
    std::string identifier_;
    std::string kind_;
    std::int64_t deadline_;
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

void TaskObjects::withdraw(std::int64_t runId)
{
    auto node = objects_.extract(runId);
    if (node.empty())
        return;
    // Keep the object alive until the handler that ended the task has returned.
    auto object = std::shared_ptr<TaskObject>(std::move(node.mapped()));
    defer_([object]() mutable { object.reset(); });
}

} // namespace bgtask::bus
