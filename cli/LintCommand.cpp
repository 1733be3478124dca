// SPDX-License-Identifier: LGPL-2.1-or-later
// bgtaskctl lint FILE…: checks manifests before they are installed, without a bus or a running
// bgtaskd, so that a package build can run it. Prints "FILE:LINE: error|warning: message" like a
// compiler; exit 0 when every file is clean, 1 when any has a problem, 2 for bad usage.
#include "Commands.h"
#include "ExitCodes.h"
#include "ManifestLint.h"
#include "Output.h"

#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>
#include <memory>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

namespace bgtaskctl {
namespace {
namespace fs = std::filesystem;

struct LintOptions {
    std::vector<std::string> files;
    std::vector<std::string> activationDirs;
    bool noStandardDirs = false;
};

struct FileResult {
    std::string file;
    std::vector<LintProblem> problems;
};

FileResult lintFile(const std::string& file, const ActivationFiles& activation)
{
    std::ifstream in(file);
    if (!in)
        return {file, {{0, true, "cannot read the file"}}};
    std::stringstream text;
    text << in.rdbuf();
    return {file, lintManifest(text.str(), fs::path(file).filename().string(), activation)};
}

void printHuman(std::ostream& out, const std::vector<FileResult>& results)
{
    for (const auto& result : results)
        for (const auto& problem : result.problems)
            out << result.file << (problem.line > 0 ? ":" + std::to_string(problem.line) : std::string())
                << (problem.error ? ": error: " : ": warning: ") << problem.message << '\n';
}

void printJson(std::ostream& out, const std::vector<FileResult>& results)
{
    JsonWriter json(out);
    json.beginObject().key("files").beginArray();
    for (const auto& result : results) {
        json.beginObject().key("file").value(result.file).key("problems").beginArray();
        for (const auto& problem : result.problems) {
            json.beginObject().key("line").value(static_cast<std::int64_t>(problem.line));
            json.key("severity").value(problem.error ? "error" : "warning");
            json.key("message").value(problem.message).endObject();
        }
        json.endArray().endObject();
    }
    json.endArray().endObject();
    out << '\n';
}

int run(const LintOptions& options, OfflineContext& ctx)
{
    std::vector<fs::path> dirs(options.activationDirs.begin(), options.activationDirs.end());
    if (!options.noStandardDirs)
        for (auto& dir : standardActivationDirs(ctx.system))
            dirs.push_back(std::move(dir));
    const ActivationFiles activation = activatableBusNames(dirs);
    std::vector<FileResult> results;
    bool problems = false;
    for (const auto& file : options.files) {
        results.push_back(lintFile(file, activation));
        problems = problems || !results.back().problems.empty();
    }
    if (ctx.json)
        printJson(ctx.out, results);
    else
        printHuman(ctx.out, results);
    return problems ? kExitFailure : kExitSuccess;
}

} // namespace

void addLintCommand(CLI::App& app, OfflineCommand& selected)
{
    auto options = std::make_shared<LintOptions>();
    auto* cmd = app.add_subcommand("lint", "Check app manifests before they are installed (no bgtaskd needed)");
    cmd->add_option("FILE", options->files, "Manifest files (<app-id>.conf)")->required();
    cmd->add_option("--activation-dir", options->activationDirs,
                    "Also look for D-Bus service files here (e.g. the package's staging tree); repeatable");
    cmd->add_flag("--no-standard-dirs", options->noStandardDirs,
                  "Look for D-Bus service files only in the --activation-dir directories");
    cmd->footer("Reports what bgtaskd would report when loading each file, at FILE:LINE, and also:\n"
                "  keys and groups that look like typos of known ones, with a suggestion;\n"
                "  identifiers that do not start with the app id;\n"
                "  a bus name that no D-Bus service file activates (standard directories of the\n"
                "  session bus, or with --system of the system bus, plus --activation-dir), when\n"
                "  neither Unit= nor Exec= can start the app instead;\n"
                "  schedules that nothing can start (no Unit=, no Exec=, no activation file).\n"
                "Errors make bgtaskd refuse the manifest; warnings do not, but are still reported.\n"
                "Exit status: 0 every file is clean, 1 some file has a problem, 2 bad usage.");
    cmd->callback([options, &selected] {
        selected = [options](OfflineContext& ctx) { return run(*options, ctx); };
    });
}

} // namespace bgtaskctl
