// SPDX-License-Identifier: LGPL-2.1-or-later
// Task requests to and from the wire form of Scheduler1.Submit / GetPendingTaskRequests:
// (kind, identifier, a{sv} options). Only options that are set travel; decoding ignores keys and
// values it does not know, so a newer daemon's answers still read.
#pragma once

#include "VariantMap.h"

#include <bgtask/TaskRequest.h>

#include <sdbus-c++/Message.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace bgtask::detail {

struct WireRequest {
    std::string kind;
    std::string identifier;
    VariantMap options;
};

WireRequest encodeRequest(const TaskRequest& request);
// Appends Submit's arguments (kind, identifier, options) to message: the same bytes as
// encodeRequest()'s three values serialised (keys in the map's order), without building the map
// and a Variant (a message of its own) per option.
void writeSubmit(sdbus::Message& message, const TaskRequest& request);
// The Submit options of periodic work (RepeatInterval, Flex when not 0, BackoffDelay,
// MaxBackoffDelay) and of retried work (BackoffDelay, MaxBackoffDelay).
VariantMap encodePeriodic(std::chrono::microseconds interval, std::chrono::microseconds flex, const Backoff& backoff);
VariantMap encodeRetry(const Backoff& backoff);
// nullopt for a kind this library does not know.
std::optional<TaskRequest> decodeRequest(std::string_view kind, std::string identifier, const VariantMap& options);

} // namespace bgtask::detail
