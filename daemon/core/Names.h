// SPDX-License-Identifier: LGPL-2.1-or-later
// Syntax of the reverse-DNS names bgtaskd accepts: app ids (which double as D-Bus well-known
// names) and task identifiers. Pure predicates on strings; they own and borrow nothing.
#pragma once

#include <string_view>

namespace bgtask::core {

// 1-255 chars of [A-Za-z0-9_-] in at least two non-empty dot-separated elements; for app ids,
// no element may start with a digit.
bool isValidAppId(std::string_view id);
bool isValidIdentifier(std::string_view identifier);

} // namespace bgtask::core
