// SPDX-License-Identifier: LGPL-2.1-or-later
// bgtaskctl policy: the user's switches over background work (Background App Refresh and
// continued processing), for every app or one app: shows them, or switches one on or off.
#include "Commands.h"
#include "Output.h"
#include "PolicyText.h"

#include <CLI/CLI.hpp>

#include <bgtask/SchedulerError.h>

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace bgtaskctl {
namespace {

std::string settingName(bgtask::PolicySetting setting)
{
    return setting == bgtask::PolicySetting::Refresh ? "Background App Refresh"
                                                     : "Continued processing";
}

std::string appWords(const std::string& app)
{
    return app.empty() ? "every app" : app;
}

void printOne(Context& ctx, const std::string& app, const bgtask::AppPolicy& policy)
{
    if (ctx.json) {
        JsonWriter json(ctx.out);
        json.beginObject().key("app").value(app);
        writePolicy(json, policy);
        json.endObject();
        return;
    }
    const auto describe = app.empty() ? describeEveryApp : describeSetting;
    ctx.out << (app.empty() ? "Every app" : app) << "\n";
    ctx.out << "  refresh:   " << describe(policy.refresh) << "\n";
    ctx.out << "  continued: " << describe(policy.continued) << "\n";
}

void showAll(Context& ctx)
{
    const auto everyApp = ctx.manager.policy("");
    const auto apps = ctx.manager.listApps();
    if (ctx.json) {
        JsonWriter json(ctx.out);
        json.beginObject().key("everyApp").beginObject();
        writePolicy(json, everyApp);
        json.endObject().key("apps").beginArray();
        for (const auto& a : apps) {
            json.beginObject().key("app").value(a.app);
            writePolicy(json, a.policy);
            json.endObject();
        }
        json.endArray().endObject();
        return;
    }
    ctx.out << "Every app: refresh " << describeEveryApp(everyApp.refresh) << ", continued "
            << describeEveryApp(everyApp.continued) << "\n";
    if (apps.empty()) {
        ctx.out << "No apps with a valid manifest.\n";
        return;
    }
    ctx.out << "\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& a : apps)
        rows.push_back({a.app, describeSetting(a.policy.refresh), describeSetting(a.policy.continued)});
    printTable(ctx.out, {"APP", "REFRESH", "CONTINUED"}, rows, ctx.table);
}

void set(Context& ctx, const PolicyRequest& r)
{
    ctx.manager.setPolicy(r.app, r.setting, r.enabled);
    // The switch is stored; what it means depends on the other level and the administrator.
    std::optional<bgtask::AppPolicy> now;
    try {
        now = ctx.manager.policy(r.app);
    } catch (const bgtask::SchedulerError&) {
        // Reported as done all the same: it is.
    }
    if (ctx.json) {
        JsonWriter json(ctx.out);
        json.beginObject().key("app").value(r.app);
        json.key("setting").value(bgtask::toString(r.setting)).key("enabled").value(r.enabled);
        if (now)
            writePolicy(json, *now);
        json.endObject();
        return;
    }
    ctx.out << settingName(r.setting) << " switched " << (r.enabled ? "on" : "off") << " for "
            << appWords(r.app) << ".\n";
    if (!now)
        return;
    const auto& setting = r.setting == bgtask::PolicySetting::Refresh ? now->refresh : now->continued;
    if (r.app.empty()) {
        ctx.out << "Every app: " << bgtask::toString(r.setting) << " " << describeEveryApp(setting) << "\n";
        return;
    }
    ctx.out << r.app << ": " << bgtask::toString(r.setting) << " " << describeSetting(setting) << "\n";
    if (r.enabled && setting.status == "denied")
        ctx.out << "It stays off while it is off for every app: bgtaskctl policy --all "
                << bgtask::toString(r.setting) << " on\n";
}

} // namespace

void addPolicyCommand(CLI::App& app, Command& selected)
{
    struct Arguments {
        std::vector<std::string> words;
        bool all = false;
    };
    auto args = std::make_shared<Arguments>();
    auto* sub = app.add_subcommand(
        "policy", "Show or switch Background App Refresh and continued processing, per app or for every app");
    sub->add_option("ARGS", args->words, "[APP] [refresh|continued on|off]: see below");
    sub->add_flag("--all", args->all, "Switch (or show) the every-app setting instead of one app's");
    sub->footer(
        "Usage:\n"
        "  bgtaskctl policy                          the every-app switches and every app's statuses\n"
        "  bgtaskctl policy APP                      one app's statuses\n"
        "  bgtaskctl policy APP refresh|continued on|off\n"
        "                                            switch it for one app\n"
        "  bgtaskctl policy --all refresh|continued on|off\n"
        "                                            switch it for every app (same as APP \"\")\n"
        "A setting is available unless switched off for the app or for every app (denied), or\n"
        "decided by the administrator's configuration (restricted), which the user cannot change:\n"
        "switching it then fails with exit status 4. Exit status 3 for an app without a manifest,\n"
        "2 for arguments that are not one of the forms above. Running tasks are not stopped.");
    sub->callback([args, &selected] {
        const PolicyRequest request = parsePolicyArguments(args->words, args->all);
        selected = [request](Context& ctx) {
            switch (request.action) {
            case PolicyRequest::Action::ShowAll: showAll(ctx); break;
            case PolicyRequest::Action::Show: printOne(ctx, request.app, ctx.manager.policy(request.app)); break;
            case PolicyRequest::Action::Set: set(ctx, request); break;
            }
        };
    });
}

} // namespace bgtaskctl
