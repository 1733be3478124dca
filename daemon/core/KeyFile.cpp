// SPDX-License-Identifier: LGPL-2.1-or-later
#include "KeyFile.h"

#include <set>
#include <utility>

namespace bgtask::core {
namespace {

std::string_view trim(std::string_view s)
{
    const auto first = s.find_first_not_of(" \t\r");
    if (first == std::string_view::npos)
        return {};
    const auto last = s.find_last_not_of(" \t\r");
    return s.substr(first, last - first + 1);
}

} // namespace

KeyFile parseKeyFile(std::string_view text)
{
    KeyFile out;
    std::string group;
    std::set<std::pair<std::string, std::string>> seen;
    int lineNo = 0;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        const auto end = text.find('\n', pos);
        const auto raw = text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
        pos = end == std::string_view::npos ? text.size() + 1 : end + 1;
        ++lineNo;
        const auto line = trim(raw);
        if (line.empty() || line.front() == '#')
            continue;
        if (line.front() == '[') {
            if (line.back() != ']' || line.size() < 3) {
                out.errors.push_back({lineNo, "malformed group header"});
                continue;
            }
            group = std::string(line.substr(1, line.size() - 2));
            continue;
        }
        const auto eq = line.find('=');
        if (eq == std::string_view::npos || trim(line.substr(0, eq)).empty()) {
            out.errors.push_back({lineNo, "expected Key=Value"});
            continue;
        }
        if (group.empty()) {
            out.errors.push_back({lineNo, "key outside of any group"});
            continue;
        }
        std::string key(trim(line.substr(0, eq)));
        if (!seen.emplace(group, key).second) {
            out.errors.push_back({lineNo, "duplicate key " + key + " in [" + group + "]"});
            continue;
        }
        out.entries.push_back({group, std::move(key), std::string(trim(line.substr(eq + 1))), lineNo});
    }
    return out;
}

std::vector<std::string> splitList(std::string_view value)
{
    std::vector<std::string> items;
    std::size_t pos = 0;
    while (pos <= value.size()) {
        const auto end = value.find(';', pos);
        const auto item = trim(value.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
        if (!item.empty())
            items.emplace_back(item);
        if (end == std::string_view::npos)
            break;
        pos = end + 1;
    }
    return items;
}

} // namespace bgtask::core
