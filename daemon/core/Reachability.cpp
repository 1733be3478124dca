// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Reachability.h"

#include <array>

namespace bgtask::core {

bool isUnreachableError(std::string_view busErrorName)
{
    static constexpr std::array<std::string_view, 3> kUnreachable{
        "org.freedesktop.DBus.Error.ServiceUnknown",
        "org.freedesktop.DBus.Error.NameHasNoOwner",
        "org.freedesktop.DBus.Error.Spawn.ServiceNotFound",
    };
    for (auto name : kUnreachable)
        if (busErrorName == name)
            return true;
    return false;
}

Duration unreachableRetryDelay(int attempts)
{
    Duration delay = kFirstUnreachableRetry;
    for (int i = 1; i < attempts && delay < kMaxUnreachableRetry; ++i)
        delay *= 2;
    return delay < kMaxUnreachableRetry ? delay : kMaxUnreachableRetry;
}

Unreachable markUnreachable(const std::optional<Unreachable>& previous, std::string why, TimePoint now)
{
    Unreachable next;
    next.since = previous ? previous->since : now;
    next.attempts = (previous ? previous->attempts : 0) + 1;
    next.retryAt = now + unreachableRetryDelay(next.attempts);
    next.why = std::move(why);
    return next;
}

std::string unreachableReason(const Unreachable& state)
{
    return std::string(kBlockerAppUnreachable) + ": " + state.why + " (" + std::to_string(state.attempts) +
           (state.attempts == 1 ? " attempt" : " attempts") + "; retried when the app registers)";
}

} // namespace bgtask::core
