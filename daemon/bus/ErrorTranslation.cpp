// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ErrorTranslation.h"

#include "core/Utf8.h"
#include "service/Log.h"

#include <string>

namespace bgtask::bus {

sdbus::Error toDbusError(const core::Error& error)
{
    // The backstop for every message: no caller's argument comes back whole (core/Utf8.h).
    return sdbus::Error(std::string(api::errorName(error.code())),
                        core::boundedText(error.what(), core::kMaxErrorTextBytes));
}

sdbus::Error currentExceptionAsDbusError(const char* context)
{
    try {
        throw;
    } catch (const core::Error& e) {
        return toDbusError(e);
    } catch (const sdbus::Error& e) {
        return e;
    } catch (const std::exception& e) {
        service::logger("bus")->error("Failed to handle {}: {}", context, e.what());
        return toDbusError(core::Error(core::ErrorCode::Internal, "internal", e.what()));
    } catch (...) {
        service::logger("bus")->error("Failed to handle {}: unknown exception", context);
        return toDbusError(core::Error(core::ErrorCode::Internal, "internal", "unknown failure"));
    }
}

} // namespace bgtask::bus
