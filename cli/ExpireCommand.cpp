// SPDX-License-Identifier: LGPL-2.1-or-later
// bgtaskctl expire: expire a running task now with reason "simulated" (a simulated expiration).
#include "Commands.h"
#include "Target.h"

#include <CLI/CLI.hpp>

namespace bgtaskctl {

void addExpireCommand(CLI::App& app, Command& selected)
{
    auto* sub = app.add_subcommand("expire", "Expire a running task now, as its time limit would (for testing)");
    auto target = addTargetArguments(*sub, "The running task's identifier");
    sub->footer("The app's expiration handler gets the reason \"simulated\"; then the grace period and,\n"
                "for a process bgtaskd started, termination follow as usual.");
    sub->callback([target, &selected] {
        selected = [target](Context& ctx) {
            ctx.manager.expire(target->app, target->identifier);
            acknowledge(ctx, *target, "expired",
                        "Expired " + target->identifier + " of " + target->app +
                            " (simulated). Its outcome will show in `bgtaskctl history --identifier " +
                            target->identifier + "`.");
        };
    });
}

} // namespace bgtaskctl
