// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Migrations.h"

#include "Database.h"

#include "../core/Error.h"

#include <string>

namespace bgtask::store {

namespace {

// Times are microseconds since the Unix epoch; booleans 0/1. Request options: NULL means the app
// did not set the option; resources are joined with ';' ('' is the empty list). AUTOINCREMENT so
// that ids are never reused: request ids order submissions, run ids name history lines.
constexpr std::string_view kVersion1 = R"sql(
CREATE TABLE requests (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    app              TEXT    NOT NULL,
    identifier       TEXT    NOT NULL,
    kind             TEXT    NOT NULL,
    submitted_at     INTEGER NOT NULL,
    earliest_begin   INTEGER NULL,
    requires_network INTEGER NULL,
    requires_power   INTEGER NULL,
    protection       TEXT    NULL,
    title            TEXT    NULL,
    subtitle         TEXT    NULL,
    strategy         TEXT    NULL,
    resources        TEXT    NULL,
    network_type     TEXT    NULL,
    battery_not_low  INTEGER NULL,
    UNIQUE (app, identifier)
) STRICT;

CREATE TABLE runs (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    app                  TEXT    NOT NULL,
    identifier           TEXT    NOT NULL,
    kind                 TEXT    NOT NULL,
    request_submitted_at INTEGER NOT NULL,
    earliest_begin       INTEGER NULL,
    requires_network     INTEGER NULL,
    requires_power       INTEGER NULL,
    protection           TEXT    NULL,
    title                TEXT    NULL,
    subtitle             TEXT    NULL,
    strategy             TEXT    NULL,
    resources            TEXT    NULL,
    network_type         TEXT    NULL,
    battery_not_low      INTEGER NULL,
    started_at           INTEGER NOT NULL,
    deadline             INTEGER NULL,
    ended_at             INTEGER NULL,
    outcome              TEXT    NULL,
    reason               TEXT    NOT NULL DEFAULT '',
    simulated            INTEGER NOT NULL DEFAULT 0
) STRICT;

-- History, newest first, overall and per app (the rowid, i.e. id, is the implicit last column).
CREATE INDEX runs_by_start ON runs (started_at);
CREATE INDEX runs_by_app ON runs (app, started_at);
-- What was running when the daemon stopped: a few rows among the whole history.
CREATE INDEX runs_unfinished ON runs (started_at) WHERE outcome IS NULL;
)sql";

// The user's policy switches (Background App Refresh and continued processing), per app and, in
// the row whose app is '', for every app. NULL: not set at this level; a row with both switches
// NULL is deleted rather than kept. The administrator's overrides live in the config file.
constexpr std::string_view kVersion2 = R"sql(
CREATE TABLE policy (
    app       TEXT    NOT NULL PRIMARY KEY,
    refresh   INTEGER NULL CHECK (refresh IN (0, 1)),
    continued INTEGER NULL CHECK (continued IN (0, 1))
) STRICT;
)sql";

// What a run that ran in a systemd unit used, from the unit's accounting, and why it ended
// abnormally as systemd saw it (its Result: "oom-kill", "signal", …). NULL: not measured (an app
// process), or the manager did not have the figure. The budget charges cpu_nsec where it is set.
constexpr std::string_view kVersion3 = R"sql(
ALTER TABLE runs ADD COLUMN cpu_nsec INTEGER NULL;
ALTER TABLE runs ADD COLUMN memory_peak_bytes INTEGER NULL;
ALTER TABLE runs ADD COLUMN io_read_bytes INTEGER NULL;
ALTER TABLE runs ADD COLUMN io_write_bytes INTEGER NULL;
ALTER TABLE runs ADD COLUMN end_cause TEXT NULL;
)sql";

// Periodic work and retries: the five schedule options of requests (and of the runs that
// consumed them, so that a request put back after a crash is still periodic), microseconds or
// NULL when unset; and each schedule's state, kept by the daemon: where it was declared
// ('manifest': the app's manifest; 'app': a request the app submitted), when its interval
// began counting (the last success, or a skip), its last success, the end of its last run and
// the unsuccessful runs since the last success, which the backoff grows with.
constexpr std::string_view kVersion4 = R"sql(
ALTER TABLE requests ADD COLUMN repeat_interval INTEGER NULL;
ALTER TABLE requests ADD COLUMN flex INTEGER NULL;
ALTER TABLE requests ADD COLUMN randomized_delay INTEGER NULL;
ALTER TABLE requests ADD COLUMN backoff_delay INTEGER NULL;
ALTER TABLE requests ADD COLUMN max_backoff_delay INTEGER NULL;
ALTER TABLE runs ADD COLUMN repeat_interval INTEGER NULL;
ALTER TABLE runs ADD COLUMN flex INTEGER NULL;
ALTER TABLE runs ADD COLUMN randomized_delay INTEGER NULL;
ALTER TABLE runs ADD COLUMN backoff_delay INTEGER NULL;
ALTER TABLE runs ADD COLUMN max_backoff_delay INTEGER NULL;

CREATE TABLE schedules (
    app          TEXT    NOT NULL,
    identifier   TEXT    NOT NULL,
    source       TEXT    NOT NULL CHECK (source IN ('manifest', 'app')),
    period_start INTEGER NULL,
    last_success INTEGER NULL,
    last_end     INTEGER NULL,
    failures     INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
    PRIMARY KEY (app, identifier)
) STRICT;
)sql";

// Version 5: network coalescing. Runs launched together as one group of network requests share
// the run id of the group's first run; NULL for a run launched on its own.
constexpr std::string_view kVersion5 = R"sql(
ALTER TABLE runs ADD COLUMN coalesce_group INTEGER NULL;
)sql";

// Version 6: the desktop notifications bgtaskd shows, so that the ones a crash left on screen are
// closed at the next start. A notification id is only meaningful to the notification service that
// handed it out: owner is that service's unique bus name.
constexpr std::string_view kVersion6 = R"sql(
CREATE TABLE notifications (
    owner      TEXT    NOT NULL,
    id         INTEGER NOT NULL CHECK (id > 0),
    app        TEXT    NOT NULL,
    identifier TEXT    NOT NULL,
    PRIMARY KEY (owner, id)
) STRICT;
)sql";

// Version 7: refresh timed to usage. One row per app whose opens bgtaskd learned: the decayed
// weights and weighted minutes of the 168 local hours of the week as space-separated numbers,
// the undecayed count of opens and the moment the weights were decayed to.
constexpr std::string_view kVersion7 = R"sql(
CREATE TABLE usage_patterns (
    app        TEXT    PRIMARY KEY,
    opens      INTEGER NOT NULL CHECK (opens >= 0),
    decayed_at INTEGER NOT NULL,
    weights    TEXT    NOT NULL,
    minutes    TEXT    NOT NULL
) STRICT;
)sql";

constexpr Migration kMigrations[] = {
    {1, kVersion1},
    {2, kVersion2},
    {3, kVersion3},
    {4, kVersion4},
    {5, kVersion5},
    {6, kVersion6},
    {7, kVersion7},
};

[[noreturn]] void fail(std::string subReason, const std::string& text)
{
    throw core::Error(core::ErrorCode::Internal, std::move(subReason), text);
}

void checkSteps(std::span<const Migration> steps)
{
    for (std::size_t i = 0; i < steps.size(); ++i) {
        if (steps[i].version != static_cast<int>(i) + 1)
            fail("migration-failed", "migration list is out of order at step " +
                                         std::to_string(i + 1) + " (version " +
                                         std::to_string(steps[i].version) + ")");
    }
}

// Turns enforcement off for its lifetime and then restores what the connection had.
class ForeignKeysOff {
public:
    explicit ForeignKeysOff(Database& db) : db_(db)
    {
        Statement stmt = db_.prepare("PRAGMA foreign_keys");
        wasOn_ = stmt.step() && stmt.boolAt(0);
        stmt.reset();
        db_.execute("PRAGMA foreign_keys = OFF");
    }
    ~ForeignKeysOff()
    {
        try {
            if (wasOn_)
                db_.execute("PRAGMA foreign_keys = ON");
        } catch (...) {
            // The Store sets the pragma again after migrating; a destructor must not throw.
        }
    }
    ForeignKeysOff(const ForeignKeysOff&) = delete;
    ForeignKeysOff& operator=(const ForeignKeysOff&) = delete;

private:
    Database& db_;
    bool wasOn_ = false;
};

void checkForeignKeys(Database& db)
{
    Statement stmt = db.prepare("PRAGMA foreign_key_check");
    if (stmt.step()) {
        const std::string table = stmt.textAt(0);
        stmt.reset();
        fail("migration-failed", "foreign key violation in table " + table);
    }
}

void applySteps(Database& db, std::span<const Migration> steps, int from, int to)
{
    db.begin();
    try {
        for (const Migration& step : steps.subspan(static_cast<std::size_t>(from))) {
            try {
                db.execute(step.script);
            } catch (const core::Error& e) {
                fail("migration-failed", "step to version " + std::to_string(step.version) +
                                             " failed: " + errorText(e));
            }
        }
        checkForeignKeys(db);
        db.setUserVersion(to);
        db.commit();
    } catch (const core::Error& e) {
        db.rollback();
        if (e.subReason() == "migration-failed")
            throw;
        fail("migration-failed", "migrating from version " + std::to_string(from) + " to " +
                                     std::to_string(to) + ": " + errorText(e));
    }
}

} // namespace

std::span<const Migration> migrations()
{
    return kMigrations;
}

int latestVersion(std::span<const Migration> steps)
{
    return steps.empty() ? 0 : steps.back().version;
}

void migrate(Database& db, std::span<const Migration> steps)
{
    checkSteps(steps);
    const int from = db.userVersion();
    const int to = latestVersion(steps);
    if (from > to)
        fail("schema-too-new", "schema version " + std::to_string(from) +
                                   " is newer than this bgtaskd understands (" +
                                   std::to_string(to) + "); refusing to touch it");
    if (from == to)
        return;
    if (from < 0)
        fail("migration-failed", "schema version " + std::to_string(from) + " is not valid");

    // PRAGMA foreign_keys is a no-op inside a transaction, hence before begin() and after commit.
    const ForeignKeysOff guard(db);
    applySteps(db, steps, from, to);
}

} // namespace bgtask::store
