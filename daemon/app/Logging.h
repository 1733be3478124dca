// SPDX-License-Identifier: LGPL-2.1-or-later
// Logging set-up: one stderr sink for every module's logger; without timestamps when stderr is
// the journal (JOURNAL_STREAM), since the journal adds its own.
#pragma once

namespace bgtask::app {

void setUpLogging(int verbosity);

} // namespace bgtask::app
