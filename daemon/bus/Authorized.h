// SPDX-License-Identifier: LGPL-2.1-or-later
// Glue between an Authorizer's decision and a Manager1 reply: the call's body runs only once
// the caller is allowed, and a denial becomes the reply's error. Keeps each adaptor method one
// authorisation step plus its decode/call/encode. Owns the move-only sdbus::Result until the
// decision arrives.
#pragma once

#include "Authorizer.h"
#include "ErrorTranslation.h"

#include "service/CommitQueue.h"
#include "service/Log.h"

#include <sdbus-c++/MethodResult.h>

#include <exception>
#include <memory>
#include <tuple>
#include <utility>

namespace bgtask::bus {

// For calls answered from memory: body() returns the reply (nothing for Result<>, a std::tuple
// for a reply of several values), and what it throws becomes the reply's error, as
// translated() does for synchronous handlers.
template <typename... Out, typename Body>
Authorizer::Decision answerIfAllowed(sdbus::Result<Out...>&& result, const char* context, Body body)
{
    auto shared = std::make_shared<sdbus::Result<Out...>>(std::move(result));
    return [shared, context, body = std::move(body)](const core::Error* denied) {
        try {
            if (denied)
                throw toDbusError(*denied);
            if constexpr (sizeof...(Out) == 0) {
                translated(context, body);
                shared->returnResults();
            } else if constexpr (sizeof...(Out) == 1) {
                shared->returnResults(translated(context, body));
            } else {
                std::apply([&](const auto&... values) { shared->returnResults(values...); }, translated(context, body));
            }
        } catch (const sdbus::Error& error) {
            // The caller may be gone; that must never reach the loop.
            try {
                shared->returnError(error);
            } catch (const sdbus::Error& e) {
                service::logger("bus")->warn("Failed to send a reply to {}: {}, ignoring", context, e.what());
            }
        }
    };
}

// For calls that end when the service is done (a commit): next(done) runs once the caller is
// allowed; a denial goes straight to done, and so does anything next throws (the decision may
// arrive in a reply handler, where nothing may escape).
template <typename Next>
Authorizer::Decision continueIfAllowed(service::CommitQueue::Done done, Next next)
{
    return [done = std::move(done), next = std::move(next)](const core::Error* denied) {
        if (denied)
            return done(denied);
        try {
            next(done);
        } catch (const core::Error& e) {
            done(&e);
        } catch (const std::exception& e) {
            service::logger("bus")->error("Failed to handle a Manager1 call: {}", e.what());
            const core::Error internal(core::ErrorCode::Internal, "internal", e.what());
            done(&internal);
        }
    };
}

} // namespace bgtask::bus
