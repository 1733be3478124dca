// SPDX-License-Identifier: LGPL-2.1-or-later
// bgtaskctl: inspect and drive bgtaskd. Parses the command line, opens a bgtask::Manager on the
// chosen bus, runs the selected subcommand and turns its outcome into an exit status.
#include "Commands.h"
#include "ExitCodes.h"
#include "Output.h"
#include "TimeText.h"

#include <CLI/CLI.hpp>

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <exception>
#include <iostream>
#include <string_view>

namespace {

// The width for tables, as systemctl finds it: $COLUMNS, else the terminal's; 0 (no limit) when
// stdout is no terminal.
std::size_t terminalWidth()
{
    if (const char* columns = std::getenv("COLUMNS"); columns && std::atoi(columns) > 0)
        return static_cast<std::size_t>(std::atoi(columns));
    if (!isatty(STDOUT_FILENO))
        return 0;
    winsize size{};
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
        return size.ws_col;
    return 80;
}

// The first word that is not an option, if it names no subcommand: systemctl's error for it.
bool refusedUnknownVerb(const CLI::App& app, int argc, char** argv)
{
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--timeout") {
            ++i;   // the one global option with a value
            continue;
        }
        if (arg.starts_with("-"))
            continue;   // every other global option is a flag
        for (const auto* sub : app.get_subcommands({}))
            if (sub->get_name() == arg)
                return false;
        std::cerr << "Unknown command verb '" << arg << "'.\n";
        return true;
    }
    return false;
}

} // namespace

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
    bool noLegend = false;
    bool full = false;
    app.add_flag("--no-legend", noLegend, "Print tables without their header line, headings and footers");
    app.add_flag("-l,--full", full, "Do not cut long table cells to fit the terminal");
    bool noActivate = false;
    app.add_flag("--no-activate", noActivate,
                 "Do not start bgtaskd by D-Bus activation: when it is not running, fail at once (exit 5)");
    std::string timeoutText;
    app.add_option("--timeout", timeoutText,
                   "How long a call to bgtaskd may take: seconds, or with a unit (500ms, 5s, 1min); default 25s")
        ->check([](const std::string& text) {
            return parseTimeout(text) ? std::string() : "'" + text + "' is no timeout (e.g. 5, 500ms, 5s, 1min)";
        });
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
               "  bgtaskctl simulate --scenario evening.scenario\n"
               "                                          what would run over the next day, and why\n"
               "  bgtaskctl lint debian/tmp/usr/share/bgtaskd/apps/*.conf\n"
               "                                          check manifests before they are installed\n"
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
    addSimulateCommand(app, selected);
    addRunCommand(app, selected);
    addExpireCommand(app, selected);
    addForgetCommand(app, selected);
    addCancelCommand(app, selected);
    OfflineCommand offline;
    addLintCommand(app, offline);
    auto* help = app.add_subcommand("help", "Show this help, or with a verb that verb's help");
    std::string helpVerb;
    help->add_option("verb", helpVerb, "A verb (list, history, …)");

    if (refusedUnknownVerb(app, argc, argv))
        return kExitUsage;
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return exitCodeFor(app, e);
    }
    if (help->parsed()) {
        const CLI::App* about = &app;
        if (!helpVerb.empty()) {
            try {
                about = app.get_subcommand(helpVerb);
            } catch (const CLI::OptionNotFound&) {
                std::cerr << "Unknown command verb '" << helpVerb << "'.\n";
                return kExitUsage;
            }
        }
        // The formatter directly: App::help() would describe the selected "help" subcommand.
        std::cout << about->get_formatter()->make_help(about, about == &app ? "bgtaskctl" : "bgtaskctl " + helpVerb,
                                                       CLI::AppFormatMode::Normal);
        return kExitSuccess;
    }

    if (offline) {
        OfflineContext ctx{std::cout, std::cerr, json, system};
        const int status = offline(ctx);
        std::cout.flush();
        return std::cout ? status : kExitFailure;
    }
    try {
        bgtask::ManagerOptions managerOptions;
        managerOptions.activate = !noActivate;
        if (!timeoutText.empty())
            managerOptions.callTimeout = *parseTimeout(timeoutText);
        bgtask::Manager manager(system ? bgtask::Bus::System : bgtask::Bus::Session, managerOptions);
        Context ctx{manager, std::cout, json, bgtask::Clock::now(), {!noLegend, full ? 0 : terminalWidth()}};
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
