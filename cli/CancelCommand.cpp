// SPDX-License-Identifier: LGPL-2.1-or-later
// bgtaskctl cancel: remove a pending request on the app's behalf.
#include "Commands.h"
#include "Target.h"

#include <CLI/CLI.hpp>

namespace bgtaskctl {

void addCancelCommand(CLI::App& app, Command& selected)
{
    auto* sub = app.add_subcommand("cancel", "Remove a pending request on the app's behalf");
    auto target = addTargetArguments(*sub, "The pending request's identifier");
    sub->callback([target, &selected] {
        selected = [target](Context& ctx) {
            ctx.manager.cancel(target->app, target->identifier);
            acknowledge(ctx, *target, "cancelled", "Cancelled " + target->identifier + " of " + target->app + ".");
        };
    });
}

} // namespace bgtaskctl
