// SPDX-License-Identifier: LGPL-2.1-or-later
// bgtaskctl: inspect and drive bgtaskd. Parses the command line, opens a bgtask::Manager on the
// chosen bus, runs the selected subcommand and turns its outcome into an exit status.
#include "Commands.h"
#include "ExitCodes.h"
#include "Output.h"

#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>

int main(int argc, char** argv)
{
    using namespace bgtaskctl;

    CLI::App app("bgtaskctl: inspect and drive bgtaskd, the background task scheduler", "bgtaskctl");
    app.set_version_flag("--version", BGTASKCTL_VERSION);
    bool json = false;
    bool user = false;
    bool system = false;
    app.add_flag("--json", json, "Print JSON (one document on stdout) instead of tables");
    auto* userFlag = app.add_flag("--user", user, "Talk to the user's bgtaskd on the session bus (the default)");
    app.add_flag("--system", system, "Talk to the system's bgtaskd on the system bus")->excludes(userFlag);
    app.require_subcommand(1);
    app.fallthrough();   // global options (--json, --system) may also follow the subcommand
    app.footer("Examples:\n"
               "  bgtaskctl list                          what is pending, why it waits, what runs\n"
               "  bgtaskctl history --since 1h            what ran in the last hour and how it ended\n"
               "  bgtaskctl explain org.example.Feeds org.example.Feeds.refresh\n"
               "                                          why it has not run, and what would unblock it\n"
               "  bgtaskctl run org.example.Feeds org.example.Feeds.refresh\n"
               "                                          launch a pending request now\n"
               "  bgtaskctl expire org.example.Feeds org.example.Feeds.refresh\n"
               "                                          expire the running task now\n"
               "  bgtaskctl policy org.example.Feeds refresh off\n"
               "                                          switch Background App Refresh off for one app\n"
               "Exit status: 0 success, 1 failure, 2 bad usage, 3 not found, 4 not permitted,\n"
               "5 bgtaskd not reachable.");

    Command selected;
    addStatusCommand(app, selected);
    addListCommand(app, selected);
    addHistoryCommand(app, selected);
    addExplainCommand(app, selected);
    addAppsCommand(app, selected);
    addPolicyCommand(app, selected);
    addMonitorCommand(app, selected);
    addRunCommand(app, selected);
    addExpireCommand(app, selected);
    addForgetCommand(app, selected);
    addCancelCommand(app, selected);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return exitCodeFor(app, e);
    }

    try {
        bgtask::Manager manager(system ? bgtask::Bus::System : bgtask::Bus::Session);
        Context ctx{manager, std::cout, json, bgtask::Clock::now()};
        selected(ctx);
        std::cout.flush();
        return std::cout ? kExitSuccess : kExitFailure;
    } catch (const bgtask::SchedulerError& e) {
        printError(std::cerr, e);
        return exitCodeFor(e);
    } catch (const std::exception& e) {
        std::cerr << "bgtaskctl: " << e.what() << '\n';
        return kExitFailure;
    }
}
