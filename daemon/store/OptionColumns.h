// SPDX-License-Identifier: LGPL-2.1-or-later
// How a request's options are laid out in a row: the ten option columns that `requests` and
// `runs` share, in the order of kOptionColumns. Binding and reading are exact inverses, so that
// every option, set or unset, comes back as it was submitted. Borrows the statements it is given.
#pragma once

#include "../core/RequestOptions.h"

#include <string_view>

namespace bgtask::store {

class Statement;

// The order in which the options are bound and read, as the SQL that uses them lists them:
//   earliest_begin, requires_network, requires_power, protection, title, subtitle, strategy,
//   resources, network_type, battery_not_low
inline constexpr int kOptionColumnCount = 10;

// Binds the options to parameters first … first + 9. Throws core::Error(Internal, "store-failed")
// for a resource name that the ';'-joined column cannot hold (empty or containing ';').
void bindOptions(Statement& stmt, int first, const core::RequestOptions& options);
// Reads the options from columns first … first + 9 of the current row. Throws
// core::Error(Internal, "store-failed") for a value this build does not know.
core::RequestOptions readOptions(const Statement& stmt, int first);

// The periodic and retry options (schema v4), five more columns both tables have, after their
// older columns: repeat_interval, flex, randomized_delay, backoff_delay, max_backoff_delay, each
// microseconds or NULL when unset.
inline constexpr int kScheduleColumnCount = 5;
void bindScheduleOptions(Statement& stmt, int first, const core::RequestOptions& options);
// Reads them from columns first … first + 4 into options.
void readScheduleOptions(const Statement& stmt, int first, core::RequestOptions& options);

} // namespace bgtask::store
