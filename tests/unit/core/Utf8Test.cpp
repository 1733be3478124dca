// SPDX-License-Identifier: LGPL-2.1-or-later
// UTF-8 checks, repairs and the bound on texts kept from apps (core/Utf8.h).
#include "core/Utf8.h"

#include <catch2/catch.hpp>

#include <string>

using namespace bgtask::core;

TEST_CASE("isValidUtf8 accepts well-formed text and refuses every malformed sequence")
{
    const auto [text, valid] = GENERATE(table<std::string, bool>({
        {"", true},
        {"plain ascii", true},
        {"caf\xc3\xa9", true},
        {"\xe2\x82\xac\xf0\x9f\x93\xa6", true},
        {"\xf4\x8f\xbf\xbf", true},          // U+10FFFF
        {"\x80", false},                      // lone continuation byte
        {"\xc3", false},                      // truncated
        {"\xc0\xaf", false},                  // overlong '/'
        {"\xe0\x80\xaf", false},              // overlong, three bytes
        {"\xed\xa0\x80", false},              // surrogate U+D800
        {"\xf4\x90\x80\x80", false},          // above U+10FFFF
        {"\xff", false},
        {std::string("a\0b", 3), false},      // NUL cannot travel in a D-Bus string
    }));
    CAPTURE(text);
    CHECK(isValidUtf8(text) == valid);
}

TEST_CASE("sanitizeUtf8 replaces each bad byte by U+FFFD and leaves valid text alone")
{
    CHECK(sanitizeUtf8("caf\xc3\xa9") == "caf\xc3\xa9");
    CHECK(sanitizeUtf8("a\x80z") == "a\xef\xbf\xbdz");
    CHECK(sanitizeUtf8("\xc3") == "\xef\xbf\xbd");
    CHECK(sanitizeUtf8("\xc0\xaf") == "\xef\xbf\xbd\xef\xbf\xbd");
    CHECK(isValidUtf8(sanitizeUtf8("x\xff\xfe\xed\xa0\x80y")));
}

TEST_CASE("boundedText keeps a text within the bound and cuts a longer one at a character boundary with the marker")
{
    CHECK(boundedText("short", 1024) == "short");
    const std::string exact(1024, 'a');
    CHECK(boundedText(exact, 1024) == exact);

    const auto cut = boundedText(std::string(100'000, 'x'), 1024);
    CHECK(cut.size() <= 1024);
    CHECK(cut.ends_with(kTruncationMarker));
    CHECK(cut == std::string(1024 - kTruncationMarker.size(), 'x') + std::string(kTruncationMarker));

    // Three-byte characters: the cut never splits one.
    std::string euros;
    for (int i = 0; i < 1000; ++i)
        euros += "\xe2\x82\xac";
    const auto cutEuros = boundedText(euros, 100);
    CHECK(cutEuros.size() <= 100);
    CHECK(isValidUtf8(cutEuros));
    CHECK(cutEuros.ends_with(kTruncationMarker));
    CHECK((cutEuros.size() - kTruncationMarker.size()) % 3 == 0);

    CHECK(isValidUtf8(boundedText("bad \xff byte", 1024)));
}
