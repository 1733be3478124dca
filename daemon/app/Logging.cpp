// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Logging.h"

#include "JournalSink.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <memory>

namespace bgtask::app {

void setUpLogging(int verbosity)
{
    std::shared_ptr<spdlog::logger> logger;
    if (stderrIsJournal()) {
        // BGTASKD_JOURNAL_SOCKET: another journal socket, for tests.
        const char* socket = std::getenv("BGTASKD_JOURNAL_SOCKET");
        auto sink = std::make_shared<JournalSink>(socket ? socket : "/run/systemd/journal/socket");
        logger = std::make_shared<spdlog::logger>("bgtaskd", std::move(sink));
        spdlog::register_logger(logger);
    } else {
        logger = spdlog::stderr_logger_mt("bgtaskd");
        logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %n: %v");
    }
    spdlog::set_default_logger(logger);
    spdlog::set_level(verbosity >= 2 ? spdlog::level::debug : spdlog::level::info);
    spdlog::flush_on(spdlog::level::debug);
}

} // namespace bgtask::app
