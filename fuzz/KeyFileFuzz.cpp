// SPDX-License-Identifier: LGPL-2.1-or-later
// libFuzzer target: core::parseKeyFile and splitList on arbitrary bytes. Besides the sanitizers,
// it checks what the header promises: every line number lies in the text, entries are unique
// per group and key, and list items are trimmed and never empty.
#include "core/KeyFile.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string_view>
#include <utility>

namespace {

void require(bool condition)
{
    if (!condition)
        std::abort();
}

bool inText(int line, int lines) { return line >= 1 && line <= lines; }

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const int lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
    const auto file = bgtask::core::parseKeyFile(text);
    std::set<std::pair<std::string_view, std::string_view>> seen;
    for (const auto& entry : file.entries) {
        require(inText(entry.line, lines));
        require(!entry.key.empty());
        require(seen.emplace(entry.group, entry.key).second);
        for (const auto& item : bgtask::core::splitList(entry.value))
            require(!item.empty() && item.front() != ' ' && item.back() != ' ');
    }
    for (const auto& group : file.groups)
        require(inText(group.line, lines));
    for (const auto& repeat : file.duplicates)
        require(inText(repeat.line, lines) && inText(repeat.firstLine, lines) && repeat.firstLine < repeat.line);
    for (const auto& error : file.errors)
        require(inText(error.line, lines) && !error.message.empty());
    return 0;
}
