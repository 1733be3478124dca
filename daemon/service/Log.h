// SPDX-License-Identifier: LGPL-2.1-or-later
// One named spdlog logger per module ("service", "runs", "bus", "launch", …), all sharing the
// sink and pattern that app/Logging sets up.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>

namespace bgtask::service {

std::shared_ptr<spdlog::logger> logger(const char* name);

} // namespace bgtask::service
