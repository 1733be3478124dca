// SPDX-License-Identifier: LGPL-2.1-or-later
// bgtaskctl's subcommands, one file each. Every add*Command() declares a subcommand with its
// options on the CLI11 app; when the command line selects it, its callback stores the work in
// `selected`, which main() runs after parsing, with a Context.
#pragma once

#include "Output.h"

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
    TableStyle table;   // --no-legend; the terminal's width unless --full
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
void addSimulateCommand(CLI::App& app, Command& selected);

// A subcommand that needs no bus and no bgtaskd (lint, usable in a package build): main() runs
// it before connecting, and it returns the exit status itself.
struct OfflineContext {
    std::ostream& out;
    std::ostream& err;
    bool json = false;
    bool system = false;   // --system: the system bus's conventions (its service directories)
};
using OfflineCommand = std::function<int(OfflineContext&)>;

void addLintCommand(CLI::App& app, OfflineCommand& selected);

} // namespace bgtaskctl
