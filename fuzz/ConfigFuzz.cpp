// SPDX-License-Identifier: LGPL-2.1-or-later
// libFuzzer target: the daemon's configuration file (app::parseConfig). A bad file must be a
// std::runtime_error naming the file and a line; anything else escaping, or a sanitizer report,
// is a finding.
#include "app/Config.h"

#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const auto config = bgtask::app::parseConfig(text, "bgtaskd.conf");
        if (config.limits.gracePeriod.count() < 0 || config.killDelay.count() < 0 ||
            config.fairness.maxConcurrentTasks == 0 || config.budgetResetTime.count() < 0 ||
            config.budgetResetTime.count() >= 24 * 60)
            std::abort();
    } catch (const std::runtime_error& e) {
        if (!std::string_view(e.what()).starts_with("bgtaskd.conf:"))
            std::abort();
    }
    return 0;
}
