// SPDX-License-Identifier: LGPL-2.1-or-later
// The one error vocabulary of bgtaskd. Every layer signals failures with an ErrorCode and a
// sub-reason; ErrorNames.cpp is the only table that turns them into D-Bus error names and back.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bgtask::api {

enum class ErrorCode {
    Unavailable,                 // Apple code 1
    TooManyPendingTaskRequests,  // Apple code 2
    NotPermitted,                // Apple code 3
    ImmediateRunIneligible,      // Apple code 4
    InvalidArgument,
    NotFound,
    AccessDenied,
    Internal,
};

// "org.bgtaskd.Error.NotPermitted" and so on.
std::string_view errorName(ErrorCode code);
// The inverse of errorName(); nullopt for names outside org.bgtaskd.Error.
std::optional<ErrorCode> errorCodeFromName(std::string_view name);
// Apple's BGTaskScheduler.Error.Code raw value (1-4), 0 for bgtaskd's own codes.
int appleErrorCode(ErrorCode code);

// Splits "sub-reason: text" into its parts; a message without a sub-reason gives {"", message}.
struct SplitMessage {
    std::string subReason;
    std::string text;
};
SplitMessage splitErrorMessage(std::string_view message);

} // namespace bgtask::api
