// SPDX-License-Identifier: LGPL-2.1-or-later
// bgtaskd's command line.
#pragma once

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace bgtask::app {

struct Options {
    bool systemBus = false;
    std::filesystem::path stateDir;            // default: $XDG_STATE_HOME/bgtaskd
    std::filesystem::path configDir;           // the administrator's; default: /etc/bgtaskd
    std::filesystem::path configFile;          // the user's; default: $XDG_CONFIG_HOME/bgtaskd/bgtaskd.conf
                                               // (session), none (--system)
    std::vector<std::filesystem::path> dataDirs;   // default: XDG data dirs
    std::set<std::string> disabledSources;        // --disable-source=NAME (repeatable)
    int verbosity = 0;
};

// Returns nullopt when the program should exit with `exitCode` (help, version, bad usage).
std::optional<Options> parseOptions(int argc, char** argv, int& exitCode);

} // namespace bgtask::app
