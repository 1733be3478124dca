// SPDX-License-Identifier: LGPL-2.1-or-later
#include "NameCover.h"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <tuple>

namespace bgtask::core {
namespace {

// A trie of dot-separated elements; node 0 is the root (the empty prefix).
struct Node {
    std::string path;
    std::size_t depth = 0;
    bool isName = false;
    std::map<std::string, std::size_t, std::less<>> children;
};

std::vector<Node> buildTrie(const std::set<std::string>& names)
{
    std::vector<Node> nodes(1);
    for (const auto& name : names) {
        std::size_t at = 0;
        std::size_t start = 0;
        while (start <= name.size()) {
            const auto dot = std::min(name.find('.', start), name.size());
            const std::string element = name.substr(start, dot - start);
            auto it = nodes[at].children.find(element);
            if (it == nodes[at].children.end()) {
                Node child;
                child.path = at == 0 ? element : nodes[at].path + "." + element;
                child.depth = nodes[at].depth + 1;
                nodes.push_back(std::move(child));   // may move nodes[at]: index again below
                it = nodes[at].children.emplace(element, nodes.size() - 1).first;
            }
            at = it->second;
            start = dot + 1;
        }
        nodes[at].isName = true;
    }
    return nodes;
}

} // namespace

std::optional<std::vector<NameRule>> coverNames(const std::vector<std::string>& names, std::size_t budget)
{
    std::set<std::string> distinct(names.begin(), names.end());
    distinct.erase(std::string());
    std::vector<NameRule> rules;
    if (distinct.size() <= budget) {
        for (const auto& name : distinct)
            rules.push_back({name, false});
        return rules;
    }
    const auto nodes = buildTrie(distinct);
    std::vector<std::size_t> cover;
    for (const auto& [element, child] : nodes[0].children)
        cover.push_back(child);
    if (cover.size() > budget)
        return std::nullopt;
    // Shallowest first: a shallow namespace matches the most names nobody follows. A name is
    // not split further: its namespace already holds everything below it in one rule.
    for (;;) {
        std::optional<std::size_t> best;
        std::tuple<std::size_t, std::size_t, std::string_view> bestKey;
        for (std::size_t i = 0; i < cover.size(); ++i) {
            const auto& node = nodes[cover[i]];
            if (node.isName)
                continue;
            const auto extra = node.children.size() - 1;
            if (cover.size() + extra > budget)
                continue;
            const std::tuple<std::size_t, std::size_t, std::string_view> key{node.depth, extra, node.path};
            if (!best || key < bestKey) {
                best = i;
                bestKey = key;
            }
        }
        if (!best)
            break;
        const auto expanded = cover[*best];
        cover.erase(cover.begin() + static_cast<std::ptrdiff_t>(*best));
        for (const auto& [element, child] : nodes[expanded].children)
            cover.push_back(child);
    }
    for (const auto index : cover)
        rules.push_back({nodes[index].path, !(nodes[index].isName && nodes[index].children.empty())});
    std::sort(rules.begin(), rules.end(), [](const NameRule& a, const NameRule& b) { return a.name < b.name; });
    return rules;
}

} // namespace bgtask::core
