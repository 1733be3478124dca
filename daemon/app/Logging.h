// SPDX-License-Identifier: LGPL-2.1-or-later
// Logging set-up: one sink for every module's logger. When stderr is the journal
// ($JOURNAL_STREAM), messages go by the journal's native protocol with their priority and task
// fields (JournalSink); otherwise to stderr with timestamps and level names.
#pragma once

namespace bgtask::app {

void setUpLogging(int verbosity);

} // namespace bgtask::app
