// SPDX-License-Identifier: LGPL-2.1-or-later
// The library's one translation from D-Bus errors to SchedulerError. bgtaskd's own errors go
// through the shared table in bgtask-api (errorCodeFromName, splitErrorMessage); bus-level
// failures (no bus, bgtaskd neither running nor activatable, no reply) become NoScheduler.
#pragma once

#include <bgtask/SchedulerError.h>

#include <sdbus-c++/Error.h>

#include <string_view>
#include <utility>

namespace bgtask::detail {

inline constexpr const char* kNoScheduler = "no-scheduler";

SchedulerError translateError(const sdbus::Error& error);
// An error from opening a bus connection; busDescription is "session bus" or "system bus".
SchedulerError connectionError(const sdbus::Error& error, std::string_view busDescription);
// True for UnknownMethod and UnknownInterface: the peer lacks the member (an older bgtaskd), as
// opposed to UnknownObject (the object, a finished task for instance, is gone).
bool meansUnknownMember(const sdbus::Error& error);
// The sdbus::Error that answers a method call with this error (bgtaskd's vocabulary).
sdbus::Error toDbusError(SchedulerError::Code code, std::string_view subReason, std::string_view message);

// Runs f, turning sdbus::Error into SchedulerError.
template <typename F>
decltype(auto) translatingErrors(F&& f)
{
    try {
        return std::forward<F>(f)();
    } catch (const sdbus::Error& e) {
        throw translateError(e);
    }
}

} // namespace bgtask::detail
