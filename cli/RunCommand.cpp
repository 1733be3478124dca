// SPDX-License-Identifier: LGPL-2.1-or-later
// bgtaskctl run: launch a pending request now, ignoring its conditions (a simulated launch).
#include "Commands.h"
#include "Output.h"

#include <CLI/CLI.hpp>

#include <memory>
#include <ostream>
#include <string>

namespace bgtaskctl {
namespace {

struct RunOptions {
    std::string app;
    std::string identifier;
};

void run(const RunOptions& options, Context& ctx)
{
    ctx.manager.runNow(options.app, options.identifier);
    if (ctx.json) {
        JsonWriter json(ctx.out);
        json.beginObject().key("app").value(options.app).key("identifier").value(options.identifier);
        json.key("launched").value(true).endObject();
        return;
    }
    ctx.out << "Launching " << options.identifier << " of " << options.app
            << " now (simulated). Its outcome will show in `bgtaskctl history --identifier " << options.identifier
            << "`.\n";
}

} // namespace

void addRunCommand(CLI::App& app, Command& selected)
{
    auto options = std::make_shared<RunOptions>();
    auto* sub = app.add_subcommand(
        "run", "Launch a pending request now, ignoring its earliest begin date and conditions (for testing)");
    sub->add_option("APP", options->app, "The app id, e.g. org.example.Feeds")->required();
    sub->add_option("IDENTIFIER", options->identifier, "The pending request's identifier")->required();
    sub->footer("The launch goes the usual way (activation, registration, Launch); the run is marked simulated.");
    sub->callback([options, &selected] { selected = [options](Context& ctx) { run(*options, ctx); }; });
}

} // namespace bgtaskctl
