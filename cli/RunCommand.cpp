// SPDX-License-Identifier: LGPL-2.1-or-later
// bgtaskctl run: launch a pending request now, ignoring its conditions (a simulated launch).
#include "Commands.h"
#include "Target.h"

#include <CLI/CLI.hpp>

namespace bgtaskctl {

void addRunCommand(CLI::App& app, Command& selected)
{
    auto* sub = app.add_subcommand(
        "run", "Launch a pending request now, ignoring its earliest begin date and conditions (for testing)");
    auto target = addTargetArguments(*sub, "The pending request's identifier");
    sub->footer("The launch goes the usual way (activation, registration, Launch); the run is marked simulated.");
    sub->callback([target, &selected] {
        selected = [target](Context& ctx) {
            ctx.manager.runNow(target->app, target->identifier);
            acknowledge(ctx, *target, "launched",
                        "Launching " + target->identifier + " of " + target->app +
                            " now (simulated). Its outcome will show in `bgtaskctl history --identifier " +
                            target->identifier + "`.");
        };
    });
}

} // namespace bgtaskctl
