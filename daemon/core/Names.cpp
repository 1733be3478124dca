// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Names.h"

#include <algorithm>
#include <cstddef>

namespace bgtask::core {
namespace {

constexpr std::size_t kMaxNameLength = 255;   // D-Bus's limit for bus names

// ASCII only, independent of the C locale.
bool isNameChar(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Shared by identifiers and app ids; app ids double as D-Bus well-known names, whose elements
// may not start with a digit.
bool isValidReverseDns(std::string_view name, bool forbidLeadingDigit)
{
    if (name.empty() || name.size() > kMaxNameLength)
        return false;
    std::size_t elements = 0;
    for (;;) {
        const auto dot = name.find('.');
        const auto element = name.substr(0, dot);
        if (element.empty() || !std::ranges::all_of(element, isNameChar))
            return false;
        if (forbidLeadingDigit && isDigit(element.front()))
            return false;
        ++elements;
        if (dot == std::string_view::npos)
            break;
        name.remove_prefix(dot + 1);
    }
    return elements >= 2;
}

} // namespace

// Wildcards ("prefix.*") are manifest syntax, not identifiers: '*' is not a name character.
bool isValidIdentifier(std::string_view identifier)
{
    return isValidReverseDns(identifier, false);
}

bool isValidAppId(std::string_view id)
{
    return isValidReverseDns(id, true);
}

} // namespace bgtask::core
