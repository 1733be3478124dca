// SPDX-License-Identifier: LGPL-2.1-or-later
#include "TransientUnit.h"

#include <cctype>
#include <cstdio>

namespace bgtask::core {
namespace {

constexpr std::size_t kMaxUnitName = 255;

bool plainChar(char c)
{
    return std::isalnum(static_cast<unsigned char>(c)) || c == ':' || c == '_' || c == '.';
}

} // namespace

std::string transientUnitName(std::string_view appId, std::int64_t runId, int attempt)
{
    const std::string prefix = "bgtask-";
    const std::string suffix =
        "-" + std::to_string(runId) + (attempt > 1 ? "-" + std::to_string(attempt) : std::string()) + ".service";
    const std::size_t room = kMaxUnitName - prefix.size() - suffix.size();
    std::string escaped;
    for (const char c : appId) {
        std::string piece(1, c);
        if (!plainChar(c)) {
            char hex[5];
            std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned char>(c));
            piece = hex;
        }
        if (escaped.size() + piece.size() > room)
            break;
        escaped += piece;
    }
    return prefix + escaped + suffix;
}

std::vector<std::string> execWords(std::string_view exec)
{
    std::vector<std::string> words;
    std::size_t i = 0;
    while (i < exec.size()) {
        while (i < exec.size() && std::isspace(static_cast<unsigned char>(exec[i])))
            ++i;
        const auto start = i;
        while (i < exec.size() && !std::isspace(static_cast<unsigned char>(exec[i])))
            ++i;
        if (i > start)
            words.emplace_back(exec.substr(start, i - start));
    }
    return words;
}

} // namespace bgtask::core
