// SPDX-License-Identifier: LGPL-2.1-or-later
// bgtaskctl cancel: remove a pending request on the app's behalf.
#include "Commands.h"
#include "Output.h"

#include <CLI/CLI.hpp>

#include <memory>
#include <ostream>
#include <string>

namespace bgtaskctl {
namespace {

struct CancelOptions {
    std::string app;
    std::string identifier;
};

void run(const CancelOptions& options, Context& ctx)
{
    ctx.manager.cancel(options.app, options.identifier);
    if (ctx.json) {
        JsonWriter json(ctx.out);
        json.beginObject().key("app").value(options.app).key("identifier").value(options.identifier);
        json.key("cancelled").value(true).endObject();
        return;
    }
    ctx.out << "Cancelled " << options.identifier << " of " << options.app << ".\n";
}

} // namespace

void addCancelCommand(CLI::App& app, Command& selected)
{
    auto options = std::make_shared<CancelOptions>();
    auto* sub = app.add_subcommand("cancel", "Remove a pending request on the app's behalf");
    sub->add_option("APP", options->app, "The app id, e.g. org.example.Feeds")->required();
    sub->add_option("IDENTIFIER", options->identifier, "The pending request's identifier")->required();
    sub->callback([options, &selected] { selected = [options](Context& ctx) { run(*options, ctx); }; });
}

} // namespace bgtaskctl
