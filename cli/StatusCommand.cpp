// SPDX-License-Identifier: LGPL-2.1-or-later
// bgtaskctl status: the daemon (version, uptime, counts) and the machine as the daemon sees it,
// each field with the source that reported it, or "unknown". The counts are other services'
// business on the system bus: without org.bgtaskd.observe they are left out, the rest is shown.
#include "Commands.h"
#include "Output.h"
#include "TimeText.h"

#include <bgtask/SchedulerError.h>

#include <CLI/CLI.hpp>

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace bgtaskctl {
namespace {

struct Field {
    const char* key;      // the D-Bus key, also the source map's key
    const char* label;
    std::optional<std::string> text;
};

std::optional<std::string> yesNo(const std::optional<bool>& v, const char* yes, const char* no)
{
    if (!v)
        return std::nullopt;
    return std::string(*v ? yes : no);
}

std::vector<Field> fields(const bgtask::SystemStatus& s)
{
    std::optional<std::string> battery;
    if (s.batteryPercent)
        battery = std::to_string(*s.batteryPercent) + " %" + (s.batteryState ? ", " + *s.batteryState : "");
    return {
        {"OnExternalPower", "External power", yesNo(s.onExternalPower, "yes", "no (on battery)")},
        {"BatteryPercent", "Battery", battery},
        {"Connectivity", "Network", s.connectivity},
        {"Metered", "Metered", yesNo(s.metered, "yes", "no")},
        {"GpuAvailable", "GPU", yesNo(s.gpuAvailable, "render node present", "no render node")},
        {"SessionLocked", "Session", yesNo(s.sessionLocked, "locked", "unlocked")},
        {"UserIdle", "User", yesNo(s.userIdle, "idle", "active")},
        {"UserLoggedInSinceBoot", "Logged in since boot", yesNo(s.userLoggedInSinceBoot, "yes", "no")},
        {"LowPowerMode", "Low Power Mode", yesNo(s.lowPowerMode, "on", "off")},
    };
}

std::string sourceOf(const bgtask::SystemStatus& s, const char* key)
{
    const auto it = s.sources.find(key);
    return it == s.sources.end() ? "" : it->second;
}

// Pending requests and running tasks, or nothing when the caller may not see them.
struct Counts {
    std::size_t pending = 0;
    std::size_t running = 0;
};

std::optional<Counts> counts(Context& ctx)
{
    try {
        return Counts{ctx.manager.listRequests().size(), ctx.manager.listRunningTasks().size()};
    } catch (const bgtask::SchedulerError& e) {
        if (e.code() != bgtask::SchedulerError::Code::AccessDenied)
            throw;
        return std::nullopt;
    }
}

void printJson(Context& ctx, const std::string& version, const std::optional<bgtask::TimePoint>& startedAt,
               const std::optional<Counts>& counts, const bgtask::SystemStatus& s)
{
    JsonWriter json(ctx.out);
    json.beginObject().key("version").value(version).key("startedAt").time(startedAt);
    if (counts) {
        json.key("pending").value(static_cast<std::uint64_t>(counts->pending));
        json.key("running").value(static_cast<std::uint64_t>(counts->running));
    } else {
        json.key("pending").null();
        json.key("running").null();
    }
    json.key("system");
    writeSystemState(json, s);
    json.key("sources").beginObject();
    for (const auto& [key, source] : s.sources)
        json.key(key).value(source);
    json.endObject().key("disabledSources").beginArray();
    for (const auto& name : s.disabledSources)
        json.value(name);
    json.endArray().endObject();
}

void status(Context& ctx)
{
    const auto version = ctx.manager.version();
    const auto startedAt = ctx.manager.startedAt();
    const auto count = counts(ctx);
    const auto state = ctx.manager.systemState();
    if (ctx.json) {
        printJson(ctx, version, startedAt, count, state);
        return;
    }
    ctx.out << "bgtaskd " << version;
    if (startedAt)
        ctx.out << ", up since " << relativeTime(*startedAt, ctx.now);
    if (count)
        ctx.out << "\n" << count->pending << " pending request(s), " << count->running << " running task(s)\n";
    else
        ctx.out << "\nPending requests and running tasks: not shown (seeing other services' needs the polkit "
                   "action org.bgtaskd.observe)\n";
    ctx.out << "\nSystem state:\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& f : fields(state)) {
        const auto source = sourceOf(state, f.key);
        rows.push_back({f.label, f.text.value_or("unknown"), source.empty() ? "-" : source});
    }
    printTable(ctx.out, {"WHAT", "STATE", "SOURCE"}, rows, ctx.table);
    if (!state.disabledSources.empty()) {
        ctx.out << "\nDisabled sources:";
        for (const auto& name : state.disabledSources)
            ctx.out << " " << name;
        ctx.out << "\n";
    }
}

} // namespace

void addStatusCommand(CLI::App& app, Command& selected)
{
    auto* sub = app.add_subcommand("status", "Show the daemon and the machine's state as the daemon sees it");
    sub->footer("Each field shows the source that reported it; \"unknown\" means its backend is missing,\n"
                "disabled (bgtaskd --disable-source) or has not answered yet.");
    sub->callback([&selected] { selected = status; });
}

} // namespace bgtaskctl
