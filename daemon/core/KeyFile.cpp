// SPDX-License-Identifier: LGPL-2.1-or-later
#include "KeyFile.h"

#include "Utf8.h"

#include <map>
#include <utility>

namespace bgtask::core {
namespace {

constexpr std::string_view kWhitespace = " \t\r\f\v";

std::string_view trim(std::string_view s)
{
    const auto first = s.find_first_not_of(kWhitespace);
    if (first == std::string_view::npos)
        return {};
    return s.substr(first, s.find_last_not_of(kWhitespace) - first + 1);
}

// GLib keyfile syntax: '#' comments, [Group] headers, Key=Value. Values are taken literally;
// GLib's backslash escapes are not interpreted, since no value bgtaskd reads needs one.
class Reader {
public:
    KeyFile run(std::string_view text);

private:
    // Where a Key=Value line lands: before any header, under a valid one, or under a malformed
    // one (dropped, since the header already failed).
    enum class Section { None, Group, Malformed };

    void readLine(std::string_view line, int number);
    void readGroupHeader(std::string_view line, int number);
    void readKeyValue(std::string_view line, int number);
    void error(int line, std::string message) { out_.errors.push_back({line, std::move(message)}); }

    KeyFile out_;
    Section section_ = Section::None;
    std::string group_;
    std::map<std::pair<std::string, std::string>, int> firstLines_;   // (group, key) → line
};

KeyFile Reader::run(std::string_view text)
{
    int number = 0;
    while (!text.empty()) {
        const auto newline = text.find('\n');
        readLine(text.substr(0, newline), ++number);
        if (newline == std::string_view::npos)
            break;
        text.remove_prefix(newline + 1);
    }
    return std::move(out_);
}

void Reader::readLine(std::string_view line, int number)
{
    line = trim(line);
    if (line.empty() || line.front() == '#')
        return;
    // Checked before the line is read, so that no message quotes the bytes and no value keeps
    // them: a key file's text ends up on the bus, which carries only UTF-8. Comments are never
    // shown, so they may hold anything.
    if (!isValidUtf8(line)) {
        error(number, "the line is not valid UTF-8");
        return;
    }
    if (line.front() == '[')
        readGroupHeader(line, number);
    else
        readKeyValue(line, number);
}

void Reader::readGroupHeader(std::string_view line, int number)
{
    const auto name = line.substr(1, line.size() - 1 - (line.back() == ']' ? 1 : 0));
    if (line.back() != ']' || name.empty() || name.find_first_of("[]") != std::string_view::npos) {
        error(number, "'" + std::string(line) + "' is not a valid group header");
        section_ = Section::Malformed;
        return;
    }
    group_ = name;
    section_ = Section::Group;
    out_.groups.push_back({group_, number});
}

void Reader::readKeyValue(std::string_view line, int number)
{
    const auto equals = line.find('=');
    if (equals == std::string_view::npos) {
        error(number, "'" + std::string(line) + "' is neither a group header nor Key=Value");
        return;
    }
    std::string key(trim(line.substr(0, equals)));
    if (key.empty()) {
        error(number, "the line has no key before '='");
        return;
    }
    if (section_ == Section::None) {
        error(number, "key " + key + " appears before any group");
        return;
    }
    if (section_ == Section::Malformed)
        return;
    const auto [first, inserted] = firstLines_.try_emplace({group_, key}, number);
    if (!inserted) {
        out_.duplicates.push_back({group_, std::move(key), number, first->second});
        return;
    }
    out_.entries.push_back({group_, std::move(key), std::string(trim(line.substr(equals + 1))), number});
}

} // namespace

KeyFile parseKeyFile(std::string_view text)
{
    return Reader().run(text);
}

std::vector<std::string> splitList(std::string_view value)
{
    std::vector<std::string> items;
    while (!value.empty()) {
        const auto semicolon = value.find(';');
        const auto item = trim(value.substr(0, semicolon));
        if (!item.empty())
            items.emplace_back(item);
        if (semicolon == std::string_view::npos)
            break;
        value.remove_prefix(semicolon + 1);
    }
    return items;
}

} // namespace bgtask::core
