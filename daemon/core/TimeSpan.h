// SPDX-License-Identifier: LGPL-2.1-or-later
// Time spans as administrators write them in manifests, with systemd's units ("12h", "1d 6h",
// "30min", "90" for seconds), and back as text. Pure functions; they own and borrow nothing.
#pragma once

#include "Time.h"

#include <optional>
#include <string>
#include <string_view>

namespace bgtask::core {

// One or more "<number><unit>" items, separated by optional blanks, added up. Units: us/usec,
// ms/msec, s/sec/second(s), m/min/minute(s), h/hr/hour(s), d/day(s), w/week(s); a number without
// a unit is seconds. Numbers are non-negative integers. nullopt for anything else, and for a
// total beyond 100 years (no schedule needs one, and the arithmetic stays far from overflow).
std::optional<Duration> parseTimeSpan(std::string_view text);

// The shortest exact spelling parseTimeSpan() reads back: "12h", "1d 6h", "1min 30s", "0".
std::string formatTimeSpan(Duration span);

} // namespace bgtask::core
