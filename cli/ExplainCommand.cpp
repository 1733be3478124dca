// SPDX-License-Identifier: LGPL-2.1-or-later
// bgtaskctl explain: why a request has not run (each blocker with since when and what would
// unblock it), how its task is doing, or how its last run ended.
#include "Commands.h"
#include "Output.h"
#include "ScheduleText.h"
#include "TimeText.h"

#include <CLI/CLI.hpp>

#include <memory>
#include <ostream>
#include <string>
#include <utility>

namespace bgtaskctl {
namespace {

// The reason without its "<condition>: " prefix, which the line already names.
std::string detail(const bgtask::Blocker& b)
{
    const auto prefix = b.condition + ": ";
    return b.reason.rfind(prefix, 0) == 0 ? b.reason.substr(prefix.size()) : b.reason;
}

void printPending(Context& ctx, const bgtask::Explanation& e)
{
    if (e.blockers.empty()) {
        ctx.out << "✓ nothing blocks it\nwould run: now\n";
        return;
    }
    for (const auto& b : e.blockers) {
        ctx.out << "✗ " << b.condition << ": " << detail(b);
        if (b.since)
            ctx.out << " — since " << relativeTime(*b.since, ctx.now);
        ctx.out << " — " << b.remedy << "\n";
    }
    if (e.dueAt)
        ctx.out << "would run: " << relativeTime(*e.dueAt, ctx.now) << "\n";
    else
        ctx.out << "would run: when the blockers above clear\n";
}

// Continued processing: what the user sees of it, how far it is, and when it counts as stalled.
void printProgress(Context& ctx, const bgtask::Explanation& e)
{
    if (!e.title.empty())
        ctx.out << "title: " << e.title << (e.subtitle.empty() ? "" : " — " + e.subtitle) << "\n";
    if (e.completedUnitCount || e.totalUnitCount)
        ctx.out << "progress: " << progressText(e.completedUnitCount.value_or(0), e.totalUnitCount.value_or(0))
                << "\n";
    if (e.stallDeadline)
        ctx.out << "stalls: " << relativeTime(*e.stallDeadline, ctx.now)
                << " (expired as stalled unless it reports progress by then)\n";
}

void printHuman(Context& ctx, const std::string& app, const std::string& identifier, const bgtask::Explanation& e)
{
    ctx.out << identifier << " of " << app << " (" << e.kind << "): " << e.state << "\n";
    if (e.state == "pending") {
        printPending(ctx, e);
    } else if (e.state == "finished") {
        ctx.out << "last run: " << describeOutcome(e.outcome, e.reason);
        if (e.endedAt)
            ctx.out << ", ended " << relativeTime(*e.endedAt, ctx.now);
        ctx.out << "\n";
    } else {
        if (e.startedAt)
            ctx.out << "started: " << relativeTime(*e.startedAt, ctx.now) << "\n";
        if (e.deadline)
            ctx.out << "deadline: " << relativeTime(*e.deadline, ctx.now) << " (" << duration(e.remaining)
                    << " left)\n";
        else
            ctx.out << "deadline: none\n";
        printProgress(ctx, e);
        if (!e.expireReason.empty())
            ctx.out << "expiring: " << e.expireReason << "\n";
    }
    if (e.schedule)
        ctx.out << scheduleExplanation(*e.schedule, ctx.now);
    if (e.checkpointSize) {
        ctx.out << "checkpoint: " << *e.checkpointSize << " bytes";
        if (e.checkpointSavedAt)
            ctx.out << ", saved " << relativeTime(*e.checkpointSavedAt, ctx.now);
        ctx.out << "; the next launch resumes from it\n";
    }
}

void printJson(Context& ctx, const std::string& app, const std::string& identifier, const bgtask::Explanation& e)
{
    JsonWriter json(ctx.out);
    json.beginObject().key("app").value(app).key("identifier").value(identifier);
    json.key("state").value(e.state).key("kind").value(e.kind);
    if (e.state == "pending") {
        json.key("blockers").beginArray();
        for (const auto& b : e.blockers) {
            json.beginObject().key("condition").value(b.condition).key("reason").value(b.reason);
            json.key("remedy").value(b.remedy).key("since").time(b.since).endObject();
        }
        json.endArray().key("dueAt").time(e.dueAt);
    } else if (e.state == "finished") {
        json.key("outcome").value(e.outcome).key("reason").value(e.reason);
        json.key("startedAt").time(e.startedAt).key("endedAt").time(e.endedAt);
    } else {
        json.key("task").value(e.task).key("startedAt").time(e.startedAt).key("deadline").time(e.deadline);
        json.key("remainingUsec").value(static_cast<std::int64_t>(e.remaining.count()));
        if (!e.expireReason.empty())
            json.key("expireReason").value(e.expireReason);
        if (e.completedUnitCount || e.totalUnitCount || e.stallDeadline) {
            json.key("completedUnitCount").value(e.completedUnitCount.value_or(0));
            json.key("totalUnitCount").value(e.totalUnitCount.value_or(0));
            json.key("title").value(e.title).key("subtitle").value(e.subtitle);
            json.key("stallDeadline").time(e.stallDeadline);
        }
    }
    if (e.schedule) {
        json.key("schedule");
        writeSchedule(json, *e.schedule);
    }
    json.key("checkpointBytes");
    e.checkpointSize ? json.value(*e.checkpointSize) : json.null();
    json.key("checkpointSavedAt").time(e.checkpointSavedAt);
    json.endObject();
}

} // namespace

void addExplainCommand(CLI::App& app, Command& selected)
{
    auto target = std::make_shared<std::pair<std::string, std::string>>();
    auto* sub = app.add_subcommand("explain", "Explain why a request has not run, or how its task is doing");
    sub->add_option("APP", target->first, "The app id, e.g. org.example.Feeds")->required();
    sub->add_option("IDENTIFIER", target->second, "The request's or task's identifier")->required();
    sub->footer("For a pending request: each unmet condition, since when bgtaskd has seen it and what\n"
                "would unblock it, and when it would run. For a running task: its deadline, and for\n"
                "continued processing its progress and when it counts as stalled. Otherwise:\n"
                "how its last run ended. For a schedule's request or task: its interval, when its next\n"
                "run may start and after which success or failure. In any state: the size of the\n"
                "checkpoint the next launch resumes from, if a task saved one. Exit status 3 when the\n"
                "app has none of these.");
    sub->callback([target, &selected] {
        selected = [target](Context& ctx) {
            const auto e = ctx.manager.explain(target->first, target->second);
            if (ctx.json)
                printJson(ctx, target->first, target->second, e);
            else
                printHuman(ctx, target->first, target->second, e);
        };
    });
}

} // namespace bgtaskctl
