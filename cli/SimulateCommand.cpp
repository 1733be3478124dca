// SPDX-License-Identifier: LGPL-2.1-or-later
// bgtaskctl simulate: what bgtaskd would do over the next hours if the machine's state changed
// as a scenario file says (Manager1.Simulate), as a timeline: when each request launches and
// for how long, why it waits in between, what ends it. The daemon parses the scenario, so its
// errors are the daemon's typed ones; this file only reads it.
#include "Commands.h"
#include "Output.h"
#include "TimeText.h"

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <memory>
#include <ostream>
#include <string>

namespace bgtaskctl {
namespace {

struct SimulateOptions {
    std::uint32_t hours = 0;
    bool hoursGiven = false;   // else the daemon's default; the daemon checks the range
    std::string scenario;      // a file name
    std::string app;
};

// Reads at most kMaxScenarioRead bytes, so that a device or a huge file (--scenario /dev/zero)
// is refused instead of read forever; the daemon checks the real, smaller limit and the syntax.
constexpr std::size_t kMaxScenarioRead = 1024 * 1024;

std::string readScenario(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw bgtask::SchedulerError(bgtask::SchedulerError::Code::InvalidArgument, "bad-scenario",
                                     path + ": cannot read it: " + std::strerror(errno));
    std::string text(kMaxScenarioRead + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxScenarioRead)
        throw bgtask::SchedulerError(bgtask::SchedulerError::Code::InvalidArgument, "bad-scenario",
                                     path + ": larger than " + std::to_string(kMaxScenarioRead) +
                                         " bytes, not a scenario");
    return text;
}

// "Sun 18:00:05": the local day of the week and time; a timeline spans at most a week.
std::string clockText(const std::optional<bgtask::TimePoint>& at)
{
    if (!at)
        return "-";
    const auto seconds = std::chrono::system_clock::to_time_t(std::chrono::time_point_cast<std::chrono::seconds>(*at));
    std::tm local{};
    localtime_r(&seconds, &local);
    char text[32];
    std::strftime(text, sizeof text, "%a %H:%M:%S", &local);
    return text;
}

std::string whatText(const bgtask::SimulationEvent& e)
{
    if (e.event == "launch")
        return "launch, runs ~" + (e.duration ? duration(*e.duration) : std::string("?"));
    if (e.event == "end")
        return e.outcome + (e.duration ? " after " + duration(*e.duration) : std::string());
    return e.event;
}

void printHuman(Context& ctx, const bgtask::Simulation& simulation)
{
    if (simulation.events.empty()) {
        ctx.out << "Nothing would happen.\n";
        return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& e : simulation.events) {
        const auto task = e.app.empty() ? std::string("(state)") : e.app + " " + e.identifier;
        rows.push_back({clockText(e.at), e.at ? relativeTime(*e.at, ctx.now) : "-", task, whatText(e),
                        e.reason.empty() ? "-" : e.reason});
    }
    printTable(ctx.out, {"TIME", "WHEN", "TASK", "WHAT", "WHY"}, rows, ctx.table);
    if (ctx.table.legend) {
        ctx.out << "\n" << simulation.events.size() << " event(s)";
        if (simulation.truncated)
            ctx.out << "; cut short at the daemon's event limit: ask for fewer hours or one app (--app)";
        ctx.out << ". A prediction: runs last their usual time (the median of recent runs) and\n"
                   "complete; launches reach their app at once. Nothing was launched or changed.\n";
    }
}

void printJson(Context& ctx, const bgtask::Simulation& simulation)
{
    JsonWriter json(ctx.out);
    json.beginObject().key("events").beginArray();
    for (const auto& e : simulation.events) {
        json.beginObject();
        json.key("at").time(e.at).key("event").value(e.event);
        json.key("app").value(e.app).key("identifier").value(e.identifier).key("kind").value(e.kind);
        json.key("duration");
        e.duration ? json.value(static_cast<std::int64_t>(e.duration->count())) : json.null();
        json.key("outcome").value(e.outcome).key("reason").value(e.reason);
        json.endObject();
    }
    json.endArray().key("truncated").value(simulation.truncated).endObject();
    ctx.out << "\n";
}

void run(const SimulateOptions& options, Context& ctx)
{
    bgtask::SimulationRequest request;
    if (options.hoursGiven)
        request.hours = options.hours;
    if (!options.scenario.empty()) {
        request.scenario = readScenario(options.scenario);
        request.scenarioName = options.scenario;
    }
    request.app = options.app;
    const auto simulation = ctx.manager.simulate(request);
    if (ctx.json)
        printJson(ctx, simulation);
    else
        printHuman(ctx, simulation);
}

} // namespace

void addSimulateCommand(CLI::App& app, Command& selected)
{
    auto options = std::make_shared<SimulateOptions>();
    auto* sub = app.add_subcommand(
        "simulate", "Predict what bgtaskd would launch over the next hours, and why, if the machine's state "
                    "changed as a scenario says; changes nothing");
    auto* hours = sub->add_option("--hours", options->hours, "How far ahead, 1 to 168 hours (default 24)");
    sub->add_option("--scenario", options->scenario,
                    "A file of timed state changes, one per line, e.g. \"18:00 power=ac\", \"+2h network=wifi "
                    "metered=yes\" (see bgtaskctl(1), SCENARIO FILES); default: the state stays as it is");
    sub->add_option("--app", options->app, "Only this app's events (every app's requests still compete)");
    sub->footer("Examples:\n"
                "  bgtaskctl simulate --hours 12\n"
                "  bgtaskctl simulate --scenario evening.scenario --app org.example.Feeds --json");
    sub->callback([options, hours, &selected] {
        options->hoursGiven = hours->count() > 0;
        selected = [options](Context& ctx) { run(*options, ctx); };
    });
}

} // namespace bgtaskctl
