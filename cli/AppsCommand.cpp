// SPDX-License-Identifier: LGPL-2.1-or-later
// bgtaskctl apps: the apps bgtaskd knows from their manifests (identifiers, kinds, entitlements,
// pending requests and running tasks, the user's policy, today's budget), then what is wrong in
// the manifests, with file and line.
#include "Commands.h"
#include "Output.h"
#include "PolicyText.h"
#include "ScheduleText.h"
#include "TimeText.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace bgtaskctl {
namespace {

std::string joined(const std::vector<std::string>& items)
{
    std::string out;
    for (const auto& item : items)
        out += (out.empty() ? "" : ", ") + item;
    return out.empty() ? "-" : out;
}

void writeStrings(JsonWriter& json, const char* key, const std::vector<std::string>& items)
{
    json.key(key).beginArray();
    for (const auto& item : items)
        json.value(item);
    json.endArray();
}

void printJson(Context& ctx, const std::vector<bgtask::AppRecord>& apps,
               const std::vector<bgtask::ManifestProblem>& problems)
{
    JsonWriter json(ctx.out);
    json.beginObject().key("apps").beginArray();
    for (const auto& a : apps) {
        json.beginObject().key("app").value(a.app).key("busName").value(a.busName);
        writeStrings(json, "identifiers", a.identifiers);
        writeStrings(json, "kinds", a.kinds);
        writeStrings(json, "entitlements", a.entitlements);
        json.key("exec").value(a.exec).key("file").value(a.file);
        json.key("pending").value(static_cast<std::uint64_t>(a.pending));
        json.key("running").value(static_cast<std::uint64_t>(a.running));
        json.key("policy").beginObject();
        writePolicy(json, a.policy);
        json.endObject();
        json.key("budgetUsedUsec").value(static_cast<std::int64_t>(a.budgetUsed.count()));
        json.key("budgetLimitUsec");
        a.budgetLimit ? json.value(static_cast<std::int64_t>(a.budgetLimit->count())) : json.null();
        json.key("budgetResetsAt").time(a.budgetResetsAt);
        json.key("terminations").value(static_cast<std::uint64_t>(a.terminations));
        json.key("lastLaunch").time(a.lastLaunch).key("nextRefreshAt").time(a.nextRefreshAt);
        json.key("learnedOpens").value(a.learnedOpens).key("nextUse").time(a.nextUse);
        json.key("schedules").beginArray();
        for (const auto& schedule : a.schedules)
            writeSchedule(json, schedule);
        json.endArray();
        json.endObject();
    }
    json.endArray().key("problems").beginArray();
    for (const auto& p : problems) {
        json.beginObject().key("file").value(p.file).key("line").value(static_cast<std::int64_t>(p.line));
        json.key("message").value(p.message).key("fatal").value(p.fatal).endObject();
    }
    json.endArray().endObject();
}

// "org.example.Backup.nightly every 1 d", one per schedule.
std::string schedules(const bgtask::AppRecord& a)
{
    std::vector<std::string> items;
    for (const auto& s : a.schedules)
        items.push_back(s.identifier + " " + scheduleSummary(s));
    return joined(items);
}

std::string nextRefresh(const bgtask::AppRecord& a, bgtask::TimePoint now)
{
    if (std::find(a.kinds.begin(), a.kinds.end(), "app-refresh") == a.kinds.end())
        return "-";
    return a.nextRefreshAt && *a.nextRefreshAt > now ? relativeTime(*a.nextRefreshAt, now) : "now";
}

void printHuman(Context& ctx, const std::vector<bgtask::AppRecord>& apps,
                const std::vector<bgtask::ManifestProblem>& problems)
{
    if (apps.empty()) {
        ctx.out << "No apps with a valid manifest.\n";
    } else {
        std::vector<std::vector<std::string>> rows;
        for (const auto& a : apps)
            rows.push_back({a.app, std::to_string(a.pending), std::to_string(a.running), describePolicy(a.policy),
                            describeBudget(a, ctx.now), a.lastLaunch ? relativeTime(*a.lastLaunch, ctx.now) : "never",
                            nextRefresh(a, ctx.now), a.nextUse ? relativeTime(*a.nextUse, ctx.now) : "-",
                            joined(a.kinds), joined(a.entitlements),
                            joined(a.identifiers), schedules(a)});
        printTable(ctx.out,
                   {"APP", "PENDING", "RUNNING", "POLICY", "BUDGET", "LAST LAUNCH", "NEXT REFRESH", "NEXT USE", "KINDS",
                    "ENTITLEMENTS", "IDENTIFIERS", "SCHEDULES"},
                   rows, ctx.table);
    }
    if (problems.empty())
        return;
    ctx.out << "\nManifest problems:\n";
    for (const auto& p : problems) {
        ctx.out << "  " << p.file;
        if (p.line > 0)
            ctx.out << ":" << p.line;
        ctx.out << ": " << (p.fatal ? "error: " : "warning: ") << p.message
                << (p.fatal ? " (manifest skipped)" : "") << "\n";
    }
}

struct AppsOptions {
    bool names = false;
    std::string identifiersOf;
};

// One word a line, nothing else: for scripts and shell completion.
void printWords(Context& ctx, const std::vector<bgtask::AppRecord>& records, const AppsOptions& options)
{
    for (const auto& a : records) {
        if (options.names)
            ctx.out << a.app << '\n';
        else if (a.app == options.identifiersOf)
            for (const auto& identifier : a.identifiers)
                if (!identifier.ends_with('*'))
                    ctx.out << identifier << '\n';
    }
}

void apps(const AppsOptions& options, Context& ctx)
{
    const auto records = ctx.manager.listApps();
    if (options.names || !options.identifiersOf.empty()) {
        printWords(ctx, records, options);
        return;
    }
    const auto problems = ctx.manager.manifestProblems();
    if (ctx.json)
        printJson(ctx, records, problems);
    else
        printHuman(ctx, records, problems);
}

} // namespace

void addAppsCommand(CLI::App& app, Command& selected)
{
    auto* sub = app.add_subcommand("apps", "List the apps bgtaskd knows from their manifests, and manifest problems");
    sub->footer("Manifests are read from bgtaskd/apps/*.conf under each XDG data directory; a manifest\n"
                "with a fatal problem is skipped and its app is not listed.\n"
                "POLICY: Background App Refresh and continued processing for the app (see `bgtaskctl\n"
                "policy`). BUDGET: background time charged today (runs plus a penalty per termination)\n"
                "against the daily limit, and when it resets. LAST LAUNCH: newest scheduled launch.\n"
                "NEXT REFRESH: when refresh spacing lets its next app-refresh task launch.\n"
                "SCHEDULES: the [Schedule] groups of its manifest and the periodic or retried requests\n"
                "it submitted; bgtaskd keeps one request of each (see `bgtaskctl list`).");
    auto options = std::make_shared<AppsOptions>();
    auto* names = sub->add_flag("--names", options->names, "Print only the app ids, one a line (for scripts and completion)");
    sub->add_option("--identifiers", options->identifiersOf,
                    "Print only this app's exact identifiers, one a line (for scripts and completion)")
        ->excludes(names);
    sub->callback([&selected, options] { selected = [options](Context& ctx) { apps(*options, ctx); }; });
}

} // namespace bgtaskctl
