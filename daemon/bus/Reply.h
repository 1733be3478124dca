// SPDX-License-Identifier: LGPL-2.1-or-later
// Turns a move-only sdbus::Result<> into the copyable completion the service layer calls once
// the work is durable: success replies, a core::Error becomes its D-Bus error.
#pragma once

#include "ErrorTranslation.h"

#include "service/CommitQueue.h"
#include "service/Log.h"

#include <sdbus-c++/MethodResult.h>

#include <memory>

namespace bgtask::bus {

inline service::CommitQueue::Done replyWhenDone(sdbus::Result<>&& result)
{
    auto shared = std::make_shared<sdbus::Result<>>(std::move(result));
    return [shared](const core::Error* error) {
        // The caller may be gone or may not want a reply; that must never reach the loop.
        try {
            if (error)
                shared->returnError(toDbusError(*error));
            else
                shared->returnResults();
        } catch (const sdbus::Error& e) {
            service::logger("bus")->warn("Failed to send a reply: {}, ignoring", e.what());
        }
    };
}

// The same for a method registered with its raw message (Submit): the call itself is copyable
// (a reference on the message), so no shared Result is needed, nor its allocation per call.
inline service::CommitQueue::Done replyWhenDone(sdbus::MethodCall call)
{
    return [call = std::move(call)](const core::Error* error) {
        // As sdbus::Result<> replies; the caller may be gone, which must never reach the loop.
        try {
            if (error)
                call.createErrorReply(toDbusError(*error)).send();
            else
                call.createReply().send();
        } catch (const sdbus::Error& e) {
            service::logger("bus")->warn("Failed to send a reply: {}, ignoring", e.what());
        }
    };
}

} // namespace bgtask::bus
