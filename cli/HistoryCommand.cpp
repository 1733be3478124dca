// SPDX-License-Identifier: LGPL-2.1-or-later
// bgtaskctl history: finished runs, newest first, with their outcome and reason, and for runs
// in a systemd unit what the unit used (CPU time, peak memory, IO).
#include "Commands.h"
#include "Output.h"
#include "TimeText.h"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <cstdio>
#include <iterator>
#include <memory>
#include <ostream>
#include <string>

namespace bgtaskctl {
namespace {

struct HistoryOptions {
    std::string app;
    std::string identifier;
    std::string since;
    std::uint32_t limit = 0;
};

std::string outcomeText(const bgtask::HistoryRecord& r)
{
    std::string text = describeOutcome(r.outcome, r.reason);
    if (r.simulated)
        text += ", simulated";
    return text;
}

// "512 B", "4.0 KiB", "1.5 GiB": binary units, as systemd prints memory.
std::string byteSize(std::uint64_t bytes)
{
    static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (bytes < 1024)
        return std::to_string(bytes) + " B";
    auto value = static_cast<double>(bytes);
    std::size_t unit = 0;
    while (value >= 1024 && unit + 1 < std::size(kUnits)) {
        value /= 1024;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, "%.1f %s", value, kUnits[unit]);
    return text;
}

std::string orDash(const std::optional<std::uint64_t>& bytes)
{
    return bytes ? byteSize(*bytes) : "-";
}

std::string cpuText(const bgtask::HistoryRecord& r)
{
    return r.cpuTime ? duration(std::chrono::duration_cast<std::chrono::microseconds>(*r.cpuTime)) : "-";
}

// "4.0 KiB/1.2 MiB" (read/write), "-" when neither is known.
std::string ioText(const bgtask::HistoryRecord& r)
{
    if (!r.ioReadBytes && !r.ioWriteBytes)
        return "-";
    return orDash(r.ioReadBytes) + "/" + orDash(r.ioWriteBytes);
}

void printHuman(Context& ctx, const std::vector<bgtask::HistoryRecord>& runs)
{
    if (runs.empty()) {
        ctx.out << "No finished runs.\n";
        return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : runs) {
        const std::string started = r.startedAt ? relativeTime(*r.startedAt, ctx.now) : "-";
        const std::string took = r.startedAt && r.endedAt
            ? duration(std::chrono::duration_cast<std::chrono::microseconds>(*r.endedAt - *r.startedAt))
            : "-";
        rows.push_back({std::to_string(r.run), r.app, r.identifier, r.kind, started, took, cpuText(r),
                        orDash(r.memoryPeakBytes), ioText(r),
                        r.coalesceGroup ? std::to_string(*r.coalesceGroup) : "-", orDash(r.checkpointSize),
                        outcomeText(r)});
    }
    printTable(ctx.out,
               {"RUN", "APP", "IDENTIFIER", "KIND", "STARTED", "TOOK", "CPU", "PEAK MEM", "IO R/W", "GROUP", "CHECKPOINT",
                "OUTCOME"},
               rows, ctx.table);
}

void printJson(Context& ctx, const std::vector<bgtask::HistoryRecord>& runs)
{
    JsonWriter json(ctx.out);
    json.beginObject().key("runs").beginArray();
    for (const auto& r : runs) {
        json.beginObject();
        json.key("run").value(r.run).key("app").value(r.app).key("identifier").value(r.identifier);
        json.key("kind").value(r.kind).key("startedAt").time(r.startedAt).key("endedAt").time(r.endedAt);
        json.key("outcome").value(r.outcome).key("reason").value(r.reason).key("simulated").value(r.simulated);
        const auto optional = [&json](const char* name, const std::optional<std::uint64_t>& value) {
            json.key(name);
            value ? json.value(*value) : json.null();
        };
        optional("cpuNsec", r.cpuTime ? std::optional(static_cast<std::uint64_t>(r.cpuTime->count())) : std::nullopt);
        optional("memoryPeakBytes", r.memoryPeakBytes);
        optional("ioReadBytes", r.ioReadBytes);
        optional("ioWriteBytes", r.ioWriteBytes);
        optional("coalesceGroup", r.coalesceGroup);
        optional("checkpointBytes", r.checkpointSize);
        json.key("endCause");
        r.endCause.empty() ? json.null() : json.value(r.endCause);
        json.endObject();
    }
    json.endArray().endObject();
}

void run(const HistoryOptions& options, Context& ctx)
{
    bgtask::HistoryFilter filter;
    if (!options.app.empty())
        filter.app = options.app;
    if (!options.identifier.empty())
        filter.identifier = options.identifier;
    if (!options.since.empty())
        filter.since = parseSince(options.since, ctx.now);  // validated while parsing
    if (options.limit > 0)
        filter.limit = options.limit;
    const auto runs = ctx.manager.history(filter);
    if (ctx.json)
        printJson(ctx, runs);
    else
        printHuman(ctx, runs);
}

} // namespace

void addHistoryCommand(CLI::App& app, Command& selected)
{
    auto options = std::make_shared<HistoryOptions>();
    auto* sub = app.add_subcommand("history", "Show finished runs, newest first, with their outcome and reason");
    sub->add_option("--app", options->app, "Only this app");
    sub->add_option("--identifier", options->identifier, "Only this task identifier");
    sub->add_option("--since", options->since,
                    "Only runs started since then: seconds ago (3600, or 90m, 2h, 1d) or an ISO date "
                    "(2024-05-01, 2024-05-01T08:00, local time unless it ends in Z)")
        ->check(CLI::Validator(
            [](std::string& text) -> std::string {
                return parseSince(text, bgtask::Clock::now())
                    ? std::string()
                    : "expected seconds ago (3600, 90m, 2h, 1d) or an ISO date (2024-05-01T08:00)";
            },
            "AGO|DATE"));
    sub->add_option("--limit", options->limit, "At most this many runs (default 100)")
        ->check(CLI::Range(1, 10000));
    sub->callback([options, &selected] { selected = [options](Context& ctx) { run(*options, ctx); }; });
}

} // namespace bgtaskctl
