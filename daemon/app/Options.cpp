// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Options.h"

#include "service/ManifestRegistry.h"

#include <CLI/CLI.hpp>

#include <cstdlib>

namespace bgtask::app {
namespace fs = std::filesystem;
namespace {

fs::path xdgDir(const char* var, const char* fallbackUnderHome)
{
    if (const char* v = std::getenv(var); v && *v == '/')
        return v;
    const char* home = std::getenv("HOME");
    return fs::path(home && *home ? home : "/") / fallbackUnderHome;
}

} // namespace

std::optional<Options> parseOptions(int argc, char** argv, int& exitCode)
{
    Options o;
    CLI::App app{"bgtaskd: runs apps' background tasks when the time and the machine are right"};
    app.set_version_flag("--version", "bgtaskd " + std::string(BGTASKD_VERSION));
    app.add_flag("--system", o.systemBus, "Serve the system bus (system services) instead of the session bus");
    std::string stateDir, configFile, configDir = BGTASKD_CONFIG_DIR;
    std::vector<std::string> dataDirs;
    app.add_option("--state-dir", stateDir, "Directory of the database (default: $XDG_STATE_HOME/bgtaskd)");
    app.add_option("--config-dir", configDir,
                   "The administrator's configuration: DIR/bgtaskd.conf, then DIR/bgtaskd.conf.d/*.conf "
                   "(default: " BGTASKD_CONFIG_DIR ")");
    app.add_option("--config", configFile,
                   "The user's configuration file, read after the administrator's and unable to lift its "
                   "restrictions (default: $XDG_CONFIG_HOME/bgtaskd/bgtaskd.conf; none with --system)");
    app.add_option("--data-dir", dataDirs,
                   "Search <DIR>/bgtaskd/apps for manifests instead of the XDG data directories (repeatable)");
    std::vector<std::string> disabled;
    app.add_option("--disable-source", disabled,
                   "Do not watch this state source (power, gpu, network, session, power-profile); "
                   "its state stays unknown. Repeatable; for debugging")
        ->check(CLI::IsMember(std::vector<std::string>{"power", "gpu", "network", "session", "power-profile"}));
    app.add_flag("-v,--verbose", o.verbosity, "More log output (-vv for debug evidence)");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        exitCode = app.exit(e);
        if (exitCode != 0)
            exitCode = 2;
        return std::nullopt;
    }
    if (o.systemBus) {
        o.stateDir = stateDir.empty() ? fs::path("/var/lib/bgtaskd") : fs::path(stateDir);
        o.configFile = configFile;
    } else {
        o.stateDir = stateDir.empty() ? xdgDir("XDG_STATE_HOME", ".local/state") / "bgtaskd" : fs::path(stateDir);
        o.configFile = configFile.empty() ? xdgDir("XDG_CONFIG_HOME", ".config") / "bgtaskd" / "bgtaskd.conf"
                                          : fs::path(configFile);
    }
    o.configDir = configDir;
    for (const auto& d : dataDirs)
        o.dataDirs.emplace_back(d);
    o.disabledSources.insert(disabled.begin(), disabled.end());
    if (o.dataDirs.empty())
        o.dataDirs = o.systemBus ? std::vector<fs::path>{"/etc", "/usr/local/share", "/usr/share"}
                                 : service::ManifestRegistry::userDataDirs();
    return o;
}

} // namespace bgtask::app
