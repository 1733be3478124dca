// SPDX-License-Identifier: LGPL-2.1-or-later
// bgtaskctl forget: forget when the user opens an app (refresh timed to usage).
#include "Commands.h"
#include "Output.h"

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

namespace bgtaskctl {

void addForgetCommand(CLI::App& app, Command& selected)
{
    auto appId = std::make_shared<std::string>();
    auto* sub = app.add_subcommand("forget", "Forget when the user opens an app (refresh timed to usage)");
    sub->add_option("APP", *appId, "The app id")->required();
    sub->footer("bgtaskd learns when the user opens each app and launches its app-refresh tasks in the hour\n"
                "before the usual use. After forget, its refreshes launch as soon as they are due until the\n"
                "app has been opened often enough again. LearnUsage=false in bgtaskd.conf stops learning.");
    sub->callback([appId, &selected] {
        selected = [appId](Context& ctx) {
            ctx.manager.forgetUsage(*appId);
            if (ctx.json) {
                JsonWriter json(ctx.out);
                json.beginObject().key("app").value(*appId).key("forgotten").value(true).endObject();
                return;
            }
            ctx.out << "Forgot when " << *appId << " is opened.\n";
        };
    });
}

} // namespace bgtaskctl
