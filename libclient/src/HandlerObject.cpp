// SPDX-License-Identifier: LGPL-2.1-or-later
#include "HandlerObject.h"

#include "CallbackScope.h"
#include "ErrorTranslation.h"
#include "ProposedMembers.h"
#include "Time.h"

#include <bgtask-api/Names.h>
#include <bgtask-api/OptionKeys.h>

#include <cstdio>
#include <exception>

namespace bgtask::detail {

HandlerObject::HandlerObject(sdbus::IConnection& connection, HandlerSink& sink)
    : sink_(sink)
    , object_(sdbus::createObject(connection, api::kHandlerPath))
{
    object_->registerMethod("Launch")
        .onInterface(api::kHandlerInterface)
        .withInputParamNames("task", "identifier", "kind", "info")
        .implementedAs([this](sdbus::Result<>&& result, sdbus::ObjectPath task, std::string identifier,
                              std::string kind, VariantMap info) {
            answer(result, [&] {
                LaunchCall call{std::move(task),
                                std::move(identifier),
                                std::move(kind),
                                optionalFromMicros(lookupOr<std::int64_t>(info, api::key::kDeadline, 0)),
                                lookupOr(info, api::key::kSimulated, false),
                                lookup<std::string>(info, proposed::kLaunchTitle),
                                lookup<std::string>(info, proposed::kLaunchSubtitle),
                                lookupOr<std::vector<std::uint8_t>>(info, api::key::kCheckpoint, {})};
                return sink_.onLaunch(std::move(call));
            });
        });
    object_->registerMethod("Expire")
        .onInterface(api::kHandlerInterface)
        .withInputParamNames("task", "reason")
        .implementedAs([this](sdbus::Result<>&& result, sdbus::ObjectPath task, std::string reason) {
            answer(result, [&] { return sink_.onExpire(task, std::move(reason)); });
        });
    object_->finishRegistration();
}

HandlerObject::~HandlerObject()
{
    object_->unregister();
}

void HandlerObject::answer(const sdbus::Result<>& result, const std::function<std::function<void()>()>& decide)
{
    CallbackScope scope;
    std::function<void()> afterReply;
    try {
        const auto* message = object_->getCurrentlyProcessedMessage();
        if (message == nullptr || !sink_.isFromScheduler(message->getSender()))
            throw SchedulerError(SchedulerError::Code::AccessDenied, "not-the-scheduler",
                                 "only bgtaskd (the owner of org.bgtaskd) may call this");
        afterReply = decide();
    } catch (const SchedulerError& e) {
        result.returnError(toDbusError(e.code(), e.subReason(), e.message()));
        return;
    } catch (const std::exception& e) {
        result.returnError(toDbusError(SchedulerError::Code::Internal, "client-failed", e.what()));
        return;
    }
    result.returnResults();
    if (!afterReply)
        return;
    try {
        afterReply();
    } catch (const std::exception& e) {
        // Never let an exception unwind into sd-bus.
        std::fprintf(stderr, "libbgtask: Failed to run a handler: %s, ignoring\n", e.what());
    } catch (...) {
        std::fprintf(stderr, "libbgtask: Failed to run a handler: unknown exception, ignoring\n");
    }
}

} // namespace bgtask::detail
