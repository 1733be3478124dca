// SPDX-License-Identifier: LGPL-2.1-or-later
// bgtaskctl monitor: one line per event (task changes and system state changes) until SIGINT or
// SIGTERM, or until --count events; with --json one JSON object per line.
#include "Commands.h"
#include "Output.h"
#include "ScheduleText.h"
#include "TimeText.h"

#include <CLI/CLI.hpp>

#include <csignal>
#include <memory>
#include <ostream>
#include <string>

namespace bgtaskctl {
namespace {

volatile std::sig_atomic_t stopRequested = 0;

void requestStop(int) { stopRequested = 1; }

// Without SA_RESTART, so that the library's poll() returns at once and sees the flag.
void installStopHandlers()
{
    struct sigaction action {};
    action.sa_handler = requestStop;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

// The known fields only: "power=external battery=80 % network=full …".
std::string describeState(const bgtask::SystemStatus& s)
{
    std::string out;
    auto add = [&out](const std::string& text) { out += (out.empty() ? "" : " ") + text; };
    if (s.onExternalPower)
        add(std::string("power=") + (*s.onExternalPower ? "external" : "battery"));
    if (s.batteryPercent)
        add("battery=" + std::to_string(*s.batteryPercent) + "%" + (s.batteryState ? "," + *s.batteryState : ""));
    if (s.connectivity)
        add("network=" + *s.connectivity);
    if (s.metered)
        add(std::string("metered=") + (*s.metered ? "yes" : "no"));
    if (s.gpuAvailable)
        add(std::string("gpu=") + (*s.gpuAvailable ? "yes" : "no"));
    if (s.sessionLocked)
        add(std::string("session=") + (*s.sessionLocked ? "locked" : "unlocked"));
    if (s.userIdle)
        add(std::string("user=") + (*s.userIdle ? "idle" : "active"));
    if (s.lowPowerMode)
        add(std::string("low-power=") + (*s.lowPowerMode ? "on" : "off"));
    return out.empty() ? "everything unknown" : out;
}

void writeJson(std::ostream& out, const bgtask::ManagerEvent& e, bgtask::TimePoint now)
{
    JsonWriter json(out);
    json.beginObject().key("time").time(now);
    if (e.type == bgtask::ManagerEvent::Type::SystemState) {
        json.key("type").value("system-state").key("system");
        writeSystemState(json, e.systemState);
        json.endObject();
        return;
    }
    if (e.type == bgtask::ManagerEvent::Type::PolicyChanged) {
        json.key("type").value("policy").key("app").value(e.app);
        json.key("refresh").value(e.policy.refresh.status).key("continued").value(e.policy.continued.status);
        json.endObject();
        return;
    }
    json.key("type").value("task").key("app").value(e.app).key("identifier").value(e.identifier);
    json.key("event").value(e.event).key("kind").value(e.kind);
    if (!e.task.empty())
        json.key("task").value(e.task);
    if (!e.outcome.empty())
        json.key("outcome").value(e.outcome);
    if (!e.reason.empty())
        json.key("reason").value(e.reason);
    json.endObject();
}

void writeHuman(std::ostream& out, const bgtask::ManagerEvent& e, bgtask::TimePoint now)
{
    out << localTime(now).substr(11, 8) << "  ";   // local time, as journalctl prints it
    if (e.type == bgtask::ManagerEvent::Type::SystemState) {
        out << "system state: " << describeState(e.systemState) << "\n";
        return;
    }
    if (e.type == bgtask::ManagerEvent::Type::PolicyChanged) {
        out << "policy " << (e.app.empty() ? "(every app)" : e.app) << ": refresh " << e.policy.refresh.status
            << ", continued " << e.policy.continued.status << "\n";
        return;
    }
    out << e.app << " " << e.identifier << " " << e.event;
    if (!e.kind.empty())
        out << " (" << e.kind << ")";
    if (!e.outcome.empty())
        out << ": " << e.outcome;
    if (!e.reason.empty())
        out << (e.outcome.empty() ? ": " : ", ") << e.reason;
    out << "\n";
}

} // namespace

void addMonitorCommand(CLI::App& app, Command& selected)
{
    auto count = std::make_shared<unsigned>(0);
    auto* sub = app.add_subcommand("monitor", "Print task and system state events as they happen");
    sub->add_option("--count", *count, "Stop after N events (the first is the current system state)");
    sub->footer("The first line is the system state when monitoring starts; then one line per task event\n"
                "(submitted, replaced, cancelled, launching, running, expiring, ended), per change of\n"
                "the system state and per change of the policy. Runs until Ctrl-C or SIGTERM. With\n"
                "--json, one JSON object per line.");
    sub->callback([count, &selected] {
        selected = [count](Context& ctx) {
            installStopHandlers();
            unsigned seen = 0;
            ctx.manager.monitor(
                [&](const bgtask::ManagerEvent& e) {
                    const auto now = bgtask::Clock::now();
                    ctx.json ? writeJson(ctx.out, e, now) : writeHuman(ctx.out, e, now);
                    ctx.out.flush();
                    return *count == 0 || ++seen < *count;
                },
                [] { return stopRequested != 0; });
        };
    });
}

} // namespace bgtaskctl
