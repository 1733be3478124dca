// SPDX-License-Identifier: LGPL-2.1-or-later
// The daemon's configuration file (bgtaskd.conf): time limits, grace, launch window and quotas.
// A missing file means the defaults; a bad value is an error naming file and line.
#pragma once

#include "core/Limits.h"

#include <filesystem>

namespace bgtask::app {

struct Config {
    core::Limits limits;
    core::Duration killDelay = std::chrono::seconds(3);   // SIGTERM → SIGKILL
};

// Throws std::runtime_error("<file>:<line>: …") on a malformed file or value.
Config loadConfig(const std::filesystem::path& file);

} // namespace bgtask::app
