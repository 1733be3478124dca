// SPDX-License-Identifier: LGPL-2.1-or-later
// bgtaskctl's subcommands, one file each. Every add*Command() declares a subcommand with its
// options on the CLI11 app; when the command line selects it, its callback stores the work in
// `selected`, which main() runs after parsing, with a Context.
#pragma once

#include <bgtask/Manager.h>

#include <functional>
#include <iosfwd>

namespace CLI {
class App;
}

namespace bgtaskctl {

struct Context {
    bgtask::Manager& manager;
    std::ostream& out;
    bool json = false;
    bgtask::TimePoint now;
};

// Throws bgtask::SchedulerError; returning means success.
using Command = std::function<void(Context&)>;

void addListCommand(CLI::App& app, Command& selected);
void addHistoryCommand(CLI::App& app, Command& selected);
void addRunCommand(CLI::App& app, Command& selected);
void addCancelCommand(CLI::App& app, Command& selected);
void addStatusCommand(CLI::App& app, Command& selected);
void addExpireCommand(CLI::App& app, Command& selected);
void addForgetCommand(CLI::App& app, Command& selected);
void addExplainCommand(CLI::App& app, Command& selected);
void addAppsCommand(CLI::App& app, Command& selected);
void addMonitorCommand(CLI::App& app, Command& selected);
void addPolicyCommand(CLI::App& app, Command& selected);

} // namespace bgtaskctl
