// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

namespace bgtask::app {

void setUpLogging(int verbosity)
{
    auto logger = spdlog::stderr_logger_mt("bgtaskd");
    spdlog::set_default_logger(logger);
    const bool journal = std::getenv("JOURNAL_STREAM") != nullptr;
    spdlog::set_pattern(journal ? "%n: %v" : "%Y-%m-%d %H:%M:%S.%e %^%l%$ %n: %v");
    spdlog::set_level(verbosity >= 2 ? spdlog::level::debug : spdlog::level::info);
    spdlog::flush_on(spdlog::level::debug);
}

} // namespace bgtask::app
