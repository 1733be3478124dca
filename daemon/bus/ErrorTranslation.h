// SPDX-License-Identifier: LGPL-2.1-or-later
// The one place where domain errors become D-Bus errors: core::Error keeps its code and
// sub-reason; anything else escaping a handler becomes org.bgtaskd.Error.Internal and is logged.
#pragma once

#include "core/Error.h"

#include <sdbus-c++/Error.h>

#include <exception>
#include <utility>

namespace bgtask::bus {

sdbus::Error toDbusError(const core::Error& error);
// For catch (...) blocks: rethrows the current exception as the D-Bus error to send.
sdbus::Error currentExceptionAsDbusError(const char* context);

// Runs f and converts whatever it throws; for synchronous handlers.
template <typename F>
auto translated(const char* context, F&& f) -> decltype(f())
{
    try {
        return std::forward<F>(f)();
    } catch (const sdbus::Error&) {
        throw;
    } catch (...) {
        throw currentExceptionAsDbusError(context);
    }
}

} // namespace bgtask::bus
