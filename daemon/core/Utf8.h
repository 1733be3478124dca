// SPDX-License-Identifier: LGPL-2.1-or-later
// UTF-8 checks and repairs for text that bgtaskd keeps or sends: D-Bus refuses to carry a string
// that is not UTF-8, so one bad byte in a file would fail a whole reply. Pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace bgtask::core {

// Well-formed UTF-8 (no overlong forms, surrogates or code points above U+10FFFF) without NUL.
bool isValidUtf8(std::string_view text);

// The text with every byte that is not part of a well-formed sequence (and every NUL) replaced
// by U+FFFD, so that it can go on the bus; valid text comes back unchanged.
std::string sanitizeUtf8(std::string_view text);

// Text kept from an app (an error message, a reason) cut to at most maxBytes: a text within the
// bound is returned unchanged; a longer one is cut at a character boundary and ends with
// kTruncationMarker, the whole still within maxBytes. The result is always valid UTF-8.
inline constexpr std::string_view kTruncationMarker = "…[truncated]";
std::string boundedText(std::string_view text, std::size_t maxBytes);

// Error messages echo what the caller sent (an identifier, an app id, an option key) as an
// excerpt of at most kMaxEchoBytes (boundedText), and a whole message is at most
// kMaxErrorTextBytes: a 1 MiB argument never comes back, or goes to the log, whole.
inline constexpr std::size_t kMaxEchoBytes = 128;
inline constexpr std::size_t kMaxErrorTextBytes = 4096;
inline std::string excerpt(std::string_view text) { return boundedText(text, kMaxEchoBytes); }

} // namespace bgtask::core
