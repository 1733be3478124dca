// SPDX-License-Identifier: LGPL-2.1-or-later
// The one exception type of libbgtask, after BGTaskScheduler.Error. Every failure carries a code,
// a machine-readable sub-reason ("not-in-manifest", "no-scheduler", …) and a human sentence.
#pragma once

#include <bgtask/Export.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace bgtask {

class BGTASK_EXPORT SchedulerError : public std::runtime_error {
public:
    enum class Code {
        // Apple's BGTaskScheduler.Error.Code raw values.
        Unavailable = 1,                 // background work is off for this app, or no app id
        TooManyPendingTaskRequests = 2,  // quota: 1 app-refresh, 10 processing requests
        NotPermitted = 3,                // not in the manifest, kind or entitlement missing
        ImmediateRunIneligible = 4,      // continued processing with strategy Fail cannot start now
        // bgtaskd's own.
        InvalidArgument = 100,  // malformed identifier, option or call
        NotFound,               // no such request or task
        AccessDenied,           // the caller is not the app it claims to be
        Internal,               // the scheduler failed; see the message
        NoScheduler,            // no bus, or bgtaskd is neither running nor activatable
    };

    SchedulerError(Code code, std::string subReason, std::string message);

    // What went wrong, in Apple's terms where Apple has them.
    Code code() const noexcept { return code_; }
    // Machine-readable, e.g. "not-in-manifest"; callers must tolerate values they do not know.
    const std::string& subReason() const noexcept { return subReason_; }
    // The human sentence without the sub-reason. what() is "<sub-reason>: <message>".
    const std::string& message() const noexcept { return message_; }
    // Apple's raw error code (1-4) for the codes Apple has, 1 (unavailable) for NoScheduler, else 0.
    int appleCode() const noexcept;

private:
    Code code_;
    std::string subReason_;
    std::string message_;
};

// "Unavailable", "NotFound", … (the names of the org.bgtaskd.Error.* errors, plus "NoScheduler").
BGTASK_EXPORT std::string_view toString(SchedulerError::Code code) noexcept;

} // namespace bgtask
