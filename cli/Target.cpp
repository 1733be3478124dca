// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Target.h"

#include "Output.h"

#include <CLI/CLI.hpp>

#include <ostream>

namespace bgtaskctl {

std::shared_ptr<Target> addTargetArguments(CLI::App& sub, const char* identifierHelp)
{
    auto target = std::make_shared<Target>();
    sub.add_option("APP", target->app, "The app id, e.g. org.example.Feeds")->required();
    sub.add_option("IDENTIFIER", target->identifier, identifierHelp)->required();
    return target;
}

void acknowledge(Context& ctx, const Target& target, const char* jsonField, const std::string& sentence)
{
    if (ctx.json) {
        JsonWriter json(ctx.out);
        json.beginObject().key("app").value(target.app).key("identifier").value(target.identifier);
        json.key(jsonField).value(true).endObject();
        return;
    }
    ctx.out << sentence << "\n";
}

} // namespace bgtaskctl
