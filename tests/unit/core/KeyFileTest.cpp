// SPDX-License-Identifier: LGPL-2.1-or-later
// The key-file reader shared by manifests and the daemon's config: what it skips, how it trims,
// every malformed line with its line number, group headers, repeated keys, and list values.
#include "core/KeyFile.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

using namespace bgtask::core;

namespace {

std::string describe(const KeyFile& file)
{
    std::string text;
    for (const auto& g : file.groups)
        text += " group " + g.name + "@" + std::to_string(g.line) + ";";
    for (const auto& e : file.entries)
        text += " [" + e.group + "] '" + e.key + "'='" + e.value + "'@" + std::to_string(e.line) + ";";
    for (const auto& d : file.duplicates)
        text += " repeat [" + d.group + "] " + d.key + "@" + std::to_string(d.line) + "/" +
                std::to_string(d.firstLine) + ";";
    for (const auto& p : file.errors)
        text += " error@" + std::to_string(p.line) + " " + p.message + ";";
    return text;
}

} // namespace

TEST_CASE("KeyFile skips comments and blank lines and trims whitespace around headers, keys and values")
{
    const auto [what, text, group, key, value, line] =
        GENERATE(table<std::string, std::string, std::string, std::string, std::string, int>({
            {"plain", "[G]\nK=v\n", "G", "K", "v", 2},
            {"no final newline", "[G]\nK=v", "G", "K", "v", 2},
            {"comment and blank lines first", "# c\n\n   \n[G]\n# K=no\nK=v\n", "G", "K", "v", 6},
            {"indented comment", "[G]\n\t  # K=no\nK=v\n", "G", "K", "v", 3},
            {"CRLF line ends", "[G]\r\n\r\nK=v\r\n", "G", "K", "v", 3},
            {"spaces around the header", "  [G]  \nK=v\n", "G", "K", "v", 2},
            {"spaces in a group name", "[Desktop Entry]\nK=v\n", "Desktop Entry", "K", "v", 2},
            {"spaces around key and value", "[G]\n  K  =  v w  \n", "G", "K", "v w", 2},
            {"tabs, form feeds and vertical tabs", "[G]\n\tK\f=\vv\t\n", "G", "K", "v", 2},
            {"'#' inside a value", "[G]\nK=a # b\n", "G", "K", "a # b", 2},
            {"'=' in the value", "[G]\nExec=/bin/x --a=b\n", "G", "Exec", "/bin/x --a=b", 2},
            {"value of only '='", "[G]\nK==\n", "G", "K", "=", 2},
            {"spaced '=' in the value", "[G]\nK = a = b \n", "G", "K", "a = b", 2},
            {"empty value", "[G]\nK=\n", "G", "K", "", 2},
            {"blank value", "[G]\nK=   \n", "G", "K", "", 2},
            {"localized key", "[G]\nName[de]=Nachrichten\n", "G", "Name[de]", "Nachrichten", 2},
            {"key with spaces inside", "[G]\nA B=c\n", "G", "A B", "c", 2},
        }));
    CAPTURE(what);
    const auto file = parseKeyFile(text);
    INFO(describe(file));
    CHECK(file.errors.empty());
    CHECK(file.duplicates.empty());
    REQUIRE(file.entries.size() == 1);
    CHECK(file.entries[0].group == group);
    CHECK(file.entries[0].key == key);
    CHECK(file.entries[0].value == value);
    CHECK(file.entries[0].line == line);
}

TEST_CASE("KeyFile reads nothing from empty, blank and comment-only text")
{
    const auto text = GENERATE(as<std::string>{}, "", "\n", "\n\n\n", "  \t\r\n", "# only\n#[G]\n#K=v");
    CAPTURE(text);
    const auto file = parseKeyFile(text);
    INFO(describe(file));
    CHECK(file.groups.empty());
    CHECK(file.entries.empty());
    CHECK(file.duplicates.empty());
    CHECK(file.errors.empty());
}

TEST_CASE("KeyFile reports each malformed line on its line and reads the others")
{
    const auto [what, text, line, message] = GENERATE(table<std::string, std::string, int, std::string>({
        {"unterminated header", "[G]\nA=1\n[H\n", 3, "'[H' is not a valid group header"},
        {"empty header", "[G]\nA=1\n[]\n", 3, "'[]' is not a valid group header"},
        {"header with a trailing comment", "[G]\nA=1\n[H] # x\n", 3, "'[H] # x' is not a valid group header"},
        {"nested brackets", "[G]\nA=1\n[[H]]\n", 3, "'[[H]]' is not a valid group header"},
        {"bracket inside the name", "[G]\nA=1\n[a]b]\n", 3, "'[a]b]' is not a valid group header"},
        {"lone '['", "[G]\nA=1\n[\n", 3, "'[' is not a valid group header"},
        {"header without '['", "[G]\nA=1\nH]\n", 3, "'H]' is neither a group header nor Key=Value"},
        {"line without '='", "[G]\nA=1\n\nExec /bin/x\n", 4,
         "'Exec /bin/x' is neither a group header nor Key=Value"},
        {"line without a key", "[G]\nA=1\n=v\n", 3, "the line has no key before '='"},
        {"blank key", "[G]\nA=1\n \t = v\n", 3, "the line has no key before '='"},
        {"key before any group", "# c\nK=v\n[G]\nA=1\n", 2, "key K appears before any group"},
    }));
    CAPTURE(what);
    const auto file = parseKeyFile(text);
    INFO(describe(file));
    REQUIRE(file.errors.size() == 1);
    CHECK(file.errors[0].line == line);
    CHECK(file.errors[0].message == message);
    REQUIRE(file.entries.size() == 1);
    CHECK(file.entries[0].key == "A");
    CHECK(file.entries[0].value == "1");
}

TEST_CASE("KeyFile drops the keys under a malformed header without a problem of their own")
{
    const auto file = parseKeyFile("[G]\nA=1\n[H\nB=2\nB=3\n[I]\nC=3\n");
    INFO(describe(file));
    REQUIRE(file.errors.size() == 1);
    CHECK(file.errors[0].line == 3);
    CHECK(file.duplicates.empty());
    REQUIRE(file.entries.size() == 2);
    CHECK(file.entries[0].key == "A");
    CHECK(file.entries[1].group == "I");
    CHECK(file.entries[1].key == "C");
}

TEST_CASE("KeyFile lists every group header with its line, repeats included")
{
    const auto file = parseKeyFile("# c\n[A]\nK=1\n\n[B]\n[A]\n[X-Future]\n");
    INFO(describe(file));
    CHECK(file.errors.empty());
    REQUIRE(file.groups.size() == 4);
    const std::vector<std::pair<std::string, int>> expected{{"A", 2}, {"B", 5}, {"A", 6}, {"X-Future", 7}};
    for (std::size_t i = 0; i < expected.size(); ++i) {
        CAPTURE(i);
        CHECK(file.groups[i].name == expected[i].first);
        CHECK(file.groups[i].line == expected[i].second);
    }
}

TEST_CASE("A repeated key is reported with both its lines and the first value is kept")
{
    const auto [what, text, group, key, line, firstLine] =
        GENERATE(table<std::string, std::string, std::string, std::string, int, int>({
            {"adjacent", "[G]\nK=1\nK=2\n", "G", "K", 3, 2},
            {"spacing differs", "[G]\nK=1\n\n  K = 2\n", "G", "K", 4, 2},
            {"same value", "[G]\nK=1\nO=x\nK=1\n", "G", "K", 4, 2},
            {"under a repeated header", "[G]\nK=1\n[H]\nO=x\n[G]\nK=2\n", "G", "K", 6, 2},
            {"in a second group", "[G]\nO=x\n[H]\nK=1\nK=2\n", "H", "K", 5, 4},
        }));
    CAPTURE(what);
    const auto file = parseKeyFile(text);
    INFO(describe(file));
    CHECK(file.errors.empty());
    REQUIRE(file.duplicates.size() == 1);
    CHECK(file.duplicates[0].group == group);
    CHECK(file.duplicates[0].key == key);
    CHECK(file.duplicates[0].line == line);
    CHECK(file.duplicates[0].firstLine == firstLine);
    const auto kept = std::ranges::find_if(file.entries, [&](const KeyFileEntry& e) {
        return e.group == group && e.key == key;
    });
    REQUIRE(kept != file.entries.end());
    CHECK(kept->line == firstLine);
    CHECK(std::ranges::count_if(file.entries, [&](const KeyFileEntry& e) { return e.key == key; }) == 1);
}

TEST_CASE("Every repeat of a key names the line of its first setting")
{
    const auto file = parseKeyFile("[G]\nK=1\nK=2\nK=3\n");
    INFO(describe(file));
    REQUIRE(file.duplicates.size() == 2);
    CHECK(file.duplicates[0].line == 3);
    CHECK(file.duplicates[1].line == 4);
    CHECK(file.duplicates[0].firstLine == 2);
    CHECK(file.duplicates[1].firstLine == 2);
}

TEST_CASE("The same key in different groups, or differing only in case, is not a repeat")
{
    const auto text = GENERATE(as<std::string>{}, "[G]\nK=1\n[H]\nK=2\n", "[G]\nK=1\nk=2\n",
                               "[G]\nName=a\nName[de]=b\n");
    CAPTURE(text);
    const auto file = parseKeyFile(text);
    INFO(describe(file));
    CHECK(file.errors.empty());
    CHECK(file.duplicates.empty());
    CHECK(file.entries.size() == 2);
}

TEST_CASE("splitList reads GLib string lists, trimming items and skipping empty ones")
{
    const auto [value, items] = GENERATE(table<std::string, std::vector<std::string>>({
        {"", {}},
        {";", {}},
        {" ; ;; ", {}},
        {"a", {"a"}},
        {"a;", {"a"}},
        {";a", {"a"}},
        {"a;b", {"a", "b"}},
        {"a;b;", {"a", "b"}},
        {"a;;b;;", {"a", "b"}},
        {" a ; b\t;\tc ", {"a", "b", "c"}},
        {"a b;c", {"a b", "c"}},
        {"a;a", {"a", "a"}},   // repeats are the caller's to judge
        {"x=y;z", {"x=y", "z"}},
    }));
    CAPTURE(value);
    CHECK(splitList(value) == items);
}

TEST_CASE("KeyFile reports a line that is not UTF-8 at its number, without quoting it or keeping its value")
{
    const auto [what, line] = GENERATE(table<std::string, std::string>({
        {"a stray continuation byte in a value", "Exec=/usr/bin/\x80tool"},
        {"Latin-1 in a key", "Na\xefme=x"},
        {"a truncated sequence at the end", "K=caf\xc3"},
        {"an overlong slash", "K=\xc0\xaf"},
        {"a UTF-16 surrogate", "K=\xed\xa0\x80"},
        {"a NUL byte", std::string("K=a\0b", 5)},
        {"a header", "[Gr\xffoup]"},
    }));
    CAPTURE(what);
    const auto file = parseKeyFile("[G]\nA=1\n" + line + "\nB=2\n");
    REQUIRE(file.errors.size() == 1);
    CHECK(file.errors[0].line == 3);
    CHECK(file.errors[0].message == "the line is not valid UTF-8");
    CHECK(describe(file) == " group G@1; [G] 'A'='1'@2; [G] 'B'='2'@4; error@3 the line is not valid UTF-8;");
}

TEST_CASE("KeyFile keeps values in any valid UTF-8")
{
    const auto file = parseKeyFile("[G]\nK=caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa6\n");
    CHECK(file.errors.empty());
    REQUIRE(file.entries.size() == 1);
    CHECK(file.entries[0].value == "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa6");
}

TEST_CASE("KeyFile skips a comment whatever bytes it holds")
{
    const auto file = parseKeyFile("[G]\n# caf\xe9\nK=v\n");
    CHECK(file.errors.empty());
    CHECK(describe(file) == " group G@1; [G] 'K'='v'@3;");
}
