// SPDX-License-Identifier: LGPL-2.1-or-later
// bgtaskd-bench-client: the processes that bench/run starts. One mode per run: the echo server,
// an echo client, a libbgtask submit client or a fill client. The driver talks to them through
// stdout ("ready", "done <calls> <errors>") and stdin ("go <start-ns> <end-ns>").
#include "CommitOnlyServer.h"
#include "EchoClient.h"
#include "EchoServer.h"
#include "SubmitClient.h"

#include <CLI/CLI.hpp>

#include <exception>
#include <functional>
#include <iostream>
#include <map>
#include <string>

namespace {

using bgtask::bench::EchoMode;

// Every mode's options live here, so that the callbacks may refer to them after parsing.
struct Modes {
    bgtask::bench::EchoOptions echo;
    std::string serverDatabase;
    bgtask::bench::SubmitOptions submit;
    bgtask::bench::FillOptions fill;
    std::function<int()> selected;
};

void addEchoCommands(CLI::App& app, Modes& modes)
{
    auto* server = app.add_subcommand("echo-server", "Serve org.bgtaskd.Bench1.Echo until killed");
    server->add_option("--database", modes.serverDatabase,
                       "SQLite file for EchoCommitted, which answers after a durable commit");
    server->callback([&modes] {
        modes.selected = [&modes] { return bgtask::bench::runEchoServer(modes.serverDatabase); };
    });

    auto* commitOnly = app.add_subcommand(
        "commit-only-server", "Own org.bgtaskd and answer Submit after a durable group commit, and do nothing else");
    commitOnly->add_option("--database", modes.serverDatabase, "SQLite file for the requests")->required();
    commitOnly->callback([&modes] {
        modes.selected = [&modes] { return bgtask::bench::runCommitOnlyServer(modes.serverDatabase); };
    });

    auto& echo = modes.echo;
    auto* client = app.add_subcommand("echo", "Call Echo over one measured window");
    client->add_option("--mode", echo.mode, "sync, sync-loop or pipelined")
        ->transform(CLI::CheckedTransformer(std::map<std::string, EchoMode>{
            {"sync", EchoMode::Sync}, {"sync-loop", EchoMode::SyncLoop}, {"pipelined", EchoMode::Pipelined}}));
    client->add_option("--depth", echo.depth, "Calls in flight (pipelined)")->check(CLI::Range(1, 1024));
    client->add_flag("--committed", echo.committed, "Call EchoCommitted (the server answers after a durable commit)");
    client->add_option("--latencies", echo.latencyFile, "File for the latencies (ns per line)")->required();
    client->callback([&modes] { modes.selected = [&modes] { return bgtask::bench::runEchoClient(modes.echo); }; });
}

void addSubmitCommands(CLI::App& app, Modes& modes)
{
    auto& submit = modes.submit;
    auto* client = app.add_subcommand("submit", "Submit through libbgtask over one measured window");
    client->add_option("--app-id", submit.appId, "Application id (its manifest must exist)")->required();
    client->add_option("--identifier", submit.identifiers, "Identifier to cycle through (repeat)")->required();
    client->add_option("--latencies", submit.latencyFile, "File for the latencies (ns per line)")->required();
    client->add_option("--depth", submit.depth, "Submits in flight (more than 1: asynchronous)")
        ->check(CLI::Range(1, 1024));
    client->add_flag("--app-thread", submit.appThread,
                     "Asynchronous submits from the main thread, the library on its own thread (default: one "
                     "thread, each completion sends the next submit)");
    client->callback([&modes] { modes.selected = [&modes] { return bgtask::bench::runSubmitClient(modes.submit); }; });

    auto& fill = modes.fill;
    auto* filler = app.add_subcommand("fill", "Submit COUNT distinct requests through libbgtask, once");
    filler->add_option("--app-id", fill.appId, "Application id (its manifest must exist)")->required();
    filler->add_option("--prefix", fill.identifierPrefix, "Identifiers are PREFIX.t0 … PREFIX.t<COUNT-1>")->required();
    filler->add_option("--count", fill.count, "How many requests")->required();
    filler->add_option("--depth", fill.depth, "Submits in flight (more than 1: asynchronous)")
        ->check(CLI::Range(1, 1024));
    filler->callback([&modes] { modes.selected = [&modes] { return bgtask::bench::runFill(modes.fill); }; });
}

} // namespace

int main(int argc, char** argv)
{
    CLI::App app{"bgtaskd-bench-client: a process of the bgtaskd benchmark (started by bench/run)"};
    app.require_subcommand(1);
    Modes modes;
    addEchoCommands(app, modes);
    addSubmitCommands(app, modes);
    CLI11_PARSE(app, argc, argv);
    try {
        return modes.selected();
    } catch (const std::exception& e) {
        std::cerr << "bgtaskd-bench-client: " << e.what() << '\n';
        return 1;
    }
}
