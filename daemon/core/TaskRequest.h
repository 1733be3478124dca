// SPDX-License-Identifier: LGPL-2.1-or-later
// A pending task request: what an app asked for, for which identifier, and when.
#pragma once

#include "Atom.h"
#include "Compact.h"
#include "Reachability.h"
#include "RequestOptions.h"
#include "TaskKind.h"
#include "Time.h"

#include <cstdint>
#include <optional>
#include <string>

namespace bgtask::core {

struct TaskRequest {
    std::int64_t id = 0;       // the store's row id; 0 until stored. Orders requests by submission.
    Atom app;                  // app id from the manifest; interned (Atom.h), as is the identifier
    Atom identifier;
    TaskKind kind = TaskKind::AppRefresh;
    RequestOptions options;
    TimePoint submittedAt{};
    // Set while the request's last launch did not reach the app (Reachability.h); kept in
    // memory only: after a restart the first launch finds out again.
    HeapOptional<Unreachable> unreachable;   // on the heap: few requests have one (Compact.h)

    bool operator==(const TaskRequest&) const = default;
};

} // namespace bgtask::core
