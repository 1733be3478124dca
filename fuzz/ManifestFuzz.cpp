// SPDX-License-Identifier: LGPL-2.1-or-later
// libFuzzer target: core::parseManifest. The input's first line is the file name, the rest the
// file's text. Besides the sanitizers, it checks the parser's promises: a rejected manifest has
// an error, an accepted one names the app after its file, every schedule's identifier and kind
// are permitted, and problems point into the text.
#include "core/ManifestParser.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

void require(bool condition)
{
    if (!condition)
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto newline = input.find('\n');
    const auto fileName = input.substr(0, newline);
    const auto text = newline == std::string_view::npos ? std::string_view{} : input.substr(newline + 1);
    const int lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;

    const auto result = bgtask::core::parseManifest(text, fileName);
    for (const auto& problem : result.problems)
        require(problem.line >= 0 && problem.line <= lines && !problem.message.empty());
    if (!result.manifest) {
        require(!result.problems.empty());
        return 0;
    }
    const auto& m = *result.manifest;
    require(fileName == m.id + ".conf");
    require(bgtask::core::isValidAppId(m.id));
    for (const auto& schedule : m.schedules) {
        require(m.permitsIdentifier(schedule.identifier, schedule.kind));
        require(schedule.options.repeatInterval.has_value());
    }
    for (const auto& identifier : m.identifiers)
        require(m.permitsAnyKind(identifier));
    return 0;
}
