// SPDX-License-Identifier: LGPL-2.1-or-later
// bgtaskctl list: every pending request with the reason it is waiting, and every running task.
#include "Commands.h"
#include "Output.h"
#include "ScheduleText.h"
#include "TimeText.h"

#include <CLI/CLI.hpp>

#include <memory>
#include <ostream>
#include <string>

namespace bgtaskctl {
namespace {

struct ListOptions {
    std::string app;
    std::string kind;
};

template <typename Record>
bool matches(const ListOptions& options, const Record& record)
{
    return (options.app.empty() || record.app == options.app) &&
           (options.kind.empty() || record.kind == options.kind);
}

std::string relativeOr(const std::optional<bgtask::TimePoint>& time, bgtask::TimePoint now, const char* none)
{
    return time ? relativeTime(*time, now) : none;
}

// The schedules bgtaskd keeps a request of, after the requests and tasks (only when there are any).
void printSchedules(Context& ctx, const std::vector<bgtask::ScheduleRecord>& schedules)
{
    if (schedules.empty())
        return;
    std::vector<std::vector<std::string>> rows;
    for (const auto& s : schedules)
        rows.push_back({s.app, s.identifier, s.kind, scheduleSummary(s), s.source,
                        relativeOr(s.lastSuccess, ctx.now, "never"), std::to_string(s.failures),
                        s.running ? "running" : relativeOr(s.nextRunNotBefore, ctx.now, "-")});
    if (ctx.table.legend)
        ctx.out << "\nSchedules:\n";
    printTable(ctx.out, {"APP", "IDENTIFIER", "KIND", "SCHEDULE", "SOURCE", "LAST SUCCESS", "FAILURES", "NEXT RUN"},
               rows, ctx.table);
}

void printHuman(Context& ctx, const std::vector<bgtask::RequestRecord>& requests,
                const std::vector<bgtask::RunningTaskRecord>& running)
{
    const bool legend = ctx.table.legend;
    if (requests.empty()) {
        if (legend)
            ctx.out << "No pending requests.\n";
    } else {
        std::vector<std::vector<std::string>> rows;
        for (const auto& r : requests)
            rows.push_back({r.app, r.identifier, r.kind, relativeOr(r.submittedAt, ctx.now, "-"),
                            relativeOr(r.earliestBeginDate, ctx.now, "-"),
                            r.request ? describeOptions(*r.request) : "-", r.waiting.empty() ? "due now" : r.waiting});
        if (legend)
            ctx.out << "Pending requests:\n";
        printTable(ctx.out, {"APP", "IDENTIFIER", "KIND", "SUBMITTED", "NOT BEFORE", "OPTIONS", "WAITING"}, rows,
                   ctx.table);
        if (legend)   // systemctl's footer: "N units listed."
            ctx.out << '\n' << requests.size() << (requests.size() == 1 ? " request" : " requests") << " listed.\n";
    }
    if (legend)
        ctx.out << '\n';
    if (running.empty()) {
        if (legend)
            ctx.out << "No running tasks.\n";
        return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : running) {
        std::string state = t.state;
        if (!t.expireReason.empty())
            state += " (" + t.expireReason + ")";
        if (t.simulated)
            state += ", simulated";
        rows.push_back({t.app, t.identifier, t.kind, state, relativeOr(t.startedAt, ctx.now, "-"),
                        relativeOr(t.deadline, ctx.now, "none")});
    }
    if (legend)
        ctx.out << "Running tasks:\n";
    printTable(ctx.out, {"APP", "IDENTIFIER", "KIND", "STATE", "STARTED", "DEADLINE"}, rows, ctx.table);
}

// "running" while its task runs (a repeating or rescheduled request can be pending meanwhile),
// "waiting" while something holds it, else "due".
std::string requestState(const bgtask::RequestRecord& request, const std::vector<bgtask::RunningTaskRecord>& running)
{
    for (const auto& t : running)
        if (t.app == request.app && t.identifier == request.identifier)
            return "running";
    return request.waiting.empty() ? "due" : "waiting";
}

void printJson(Context& ctx, const std::vector<bgtask::RequestRecord>& requests,
               const std::vector<bgtask::RunningTaskRecord>& running,
               const std::vector<bgtask::ScheduleRecord>& schedules)
{
    JsonWriter json(ctx.out);
    json.beginObject().key("requests").beginArray();
    for (const auto& r : requests) {
        json.beginObject();
        json.key("app").value(r.app).key("identifier").value(r.identifier).key("kind").value(r.kind);
        json.key("state").value(requestState(r, running));
        json.key("submittedAt").time(r.submittedAt);
        json.key("waiting").value(r.waiting);
        json.key("options").beginObject();
        if (r.request)
            writeOptions(json, *r.request);
        else
            json.key("earliestBeginDate").time(r.earliestBeginDate);
        json.endObject();
        if (r.schedule) {
            json.key("schedule");
            writeSchedule(json, *r.schedule);
        }
        json.endObject();
    }
    json.endArray().key("running").beginArray();
    for (const auto& t : running) {
        json.beginObject();
        json.key("task").value(t.task).key("app").value(t.app).key("identifier").value(t.identifier);
        json.key("kind").value(t.kind).key("state").value(t.state);
        json.key("startedAt").time(t.startedAt).key("deadline").time(t.deadline);
        json.key("launchedByDaemon").value(t.launchedByDaemon).key("simulated").value(t.simulated);
        json.key("expireReason").value(t.expireReason);
        json.endObject();
    }
    json.endArray().key("schedules").beginArray();
    for (const auto& s : schedules)
        writeSchedule(json, s);
    json.endArray().endObject();
}

void run(const ListOptions& options, Context& ctx)
{
    std::vector<bgtask::RequestRecord> requests;
    for (auto& r : ctx.manager.listRequests())
        if (matches(options, r))
            requests.push_back(std::move(r));
    std::vector<bgtask::RunningTaskRecord> running;
    for (auto& t : ctx.manager.listRunningTasks())
        if (matches(options, t))
            running.push_back(std::move(t));
    std::vector<bgtask::ScheduleRecord> schedules;
    for (auto& s : ctx.manager.listSchedules())
        if (matches(options, s))
            schedules.push_back(std::move(s));
    if (ctx.json) {
        printJson(ctx, requests, running, schedules);
    } else {
        printHuman(ctx, requests, running);
        printSchedules(ctx, schedules);
    }
}

} // namespace

void addListCommand(CLI::App& app, Command& selected)
{
    auto options = std::make_shared<ListOptions>();
    auto* sub = app.add_subcommand("list", "Show pending requests (and why each is waiting), running tasks and schedules");
    sub->add_option("--app", options->app, "Only this app (its app id, e.g. org.example.Feeds)");
    sub->add_option("--kind", options->kind, "Only this kind")
        ->check(CLI::IsMember({"app-refresh", "processing", "health-research", "continued-processing"}));
    sub->callback([options, &selected] { selected = [options](Context& ctx) { run(*options, ctx); }; });
}

} // namespace bgtaskctl
