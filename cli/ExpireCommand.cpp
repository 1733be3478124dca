// SPDX-License-Identifier: LGPL-2.1-or-later
// bgtaskctl expire: expire a running task now with reason "simulated" (a simulated expiration).
#include "Commands.h"
#include "Output.h"

#include <CLI/CLI.hpp>

#include <memory>
#include <ostream>
#include <string>

namespace bgtaskctl {

void addExpireCommand(CLI::App& app, Command& selected)
{
    auto target = std::make_shared<std::pair<std::string, std::string>>();
    auto* sub = app.add_subcommand("expire", "Expire a running task now, as its time limit would (for testing)");
    sub->add_option("APP", target->first, "The app id, e.g. org.example.Feeds")->required();
    sub->add_option("IDENTIFIER", target->second, "The running task's identifier")->required();
    sub->footer("The app's expiration handler gets the reason \"simulated\"; then the grace period and,\n"
                "for a process bgtaskd started, termination follow as usual.");
    sub->callback([target, &selected] {
        selected = [target](Context& ctx) {
            ctx.manager.expire(target->first, target->second);
            if (ctx.json) {
                JsonWriter json(ctx.out);
                json.beginObject().key("app").value(target->first).key("identifier").value(target->second);
                json.key("expired").value(true).endObject();
                return;
            }
            ctx.out << "Expired " << target->second << " of " << target->first
                    << " (simulated). Its outcome will show in `bgtaskctl history --identifier " << target->second
                    << "`.\n";
        };
    });
}

} // namespace bgtaskctl
