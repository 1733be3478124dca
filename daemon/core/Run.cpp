// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Run.h"

namespace bgtask::core {

namespace {

constexpr Outcome kAllOutcomes[] = {Outcome::Completed,    Outcome::Failed,    Outcome::Expired,
                                    Outcome::Terminated,   Outcome::LaunchFailed,
                                    Outcome::AppExited,    Outcome::Interrupted,
                                    Outcome::Cancelled,    Outcome::Dropped};

} // namespace

std::string_view toString(RunState s)
{
    switch (s) {
    case RunState::Launching: return "launching";
    case RunState::Running: return "running";
    case RunState::Expiring: return "expiring";
    }
    return "unknown";
}

// Outcomes are stored in the history table and shown by bgtaskctl, so the spellings are
// stable; parseOutcome reads them back.
std::string_view toString(Outcome o)
{
    switch (o) {
    case Outcome::Completed: return "completed";
    case Outcome::Failed: return "failed";
    case Outcome::Expired: return "expired";
    case Outcome::Terminated: return "terminated";
    case Outcome::LaunchFailed: return "launch-failed";
    case Outcome::AppExited: return "app-exited";
    case Outcome::Interrupted: return "interrupted";
    case Outcome::Cancelled: return "cancelled";
    case Outcome::Dropped: return "dropped";
    }
    return "unknown";
}

std::optional<Outcome> parseOutcome(std::string_view s)
{
    for (Outcome o : kAllOutcomes) {
        if (toString(o) == s)
            return o;
    }
    return std::nullopt;
}

} // namespace bgtask::core
