// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Store.h"

#include "Database.h"
#include "Migrations.h"
#include "OptionColumns.h"

#include "../core/Error.h"

#include <algorithm>
#include <limits>
#include <string>

namespace bgtask::store {

namespace {

// The hot statements, prepared once and cached by the Database: the daemon batches thousands of
// submissions into one transaction.
constexpr std::string_view kDeleteRequestByKey =
    "DELETE FROM requests WHERE app = ?1 AND identifier = ?2";
constexpr std::string_view kDeleteRequestById = "DELETE FROM requests WHERE id = ?1";
constexpr std::string_view kDeleteRequestsOfApp = "DELETE FROM requests WHERE app = ?1";
constexpr std::string_view kDeleteRun = "DELETE FROM runs WHERE id = ?1";
// REPLACE, not ON CONFLICT DO UPDATE: the conflicting row of the same (app, identifier) goes
// and the replacement gets a new id (AUTOINCREMENT), as a submission after it.
constexpr std::string_view kReplaceRequest =
    "INSERT OR REPLACE INTO requests (app, identifier, kind, submitted_at, earliest_begin, requires_network,"
    " requires_power, protection, title, subtitle, strategy, resources, network_type,"
    " battery_not_low, repeat_interval, flex, randomized_delay, backoff_delay, max_backoff_delay)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)";
constexpr std::string_view kInsertRun =
    "INSERT INTO runs (app, identifier, kind, request_submitted_at, earliest_begin,"
    " requires_network, requires_power, protection, title, subtitle, strategy, resources,"
    " network_type, battery_not_low, started_at, deadline, simulated, repeat_interval, flex,"
    " randomized_delay, backoff_delay, max_backoff_delay, id)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,"
    " ?20, ?21, ?22, ?23)";   // id NULL: the next AUTOINCREMENT id
// The highest run id ever handed out or reserved (reserveRunIds); AUTOINCREMENT continues above it.
constexpr std::string_view kRunIdHighWater =
    "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'runs'), 0),"
    " coalesce((SELECT max(id) FROM runs), 0))";
constexpr std::string_view kRaiseRunSequence =
    "UPDATE sqlite_sequence SET seq = max(seq, ?1) WHERE name = 'runs'";
constexpr std::string_view kInsertRunSequence = "INSERT INTO sqlite_sequence (name, seq) VALUES ('runs', ?1)";
constexpr std::string_view kFinishRun =
    "UPDATE runs SET ended_at = ?2, outcome = ?3, reason = ?4 WHERE id = ?1 AND outcome IS NULL";
constexpr std::string_view kRecordUsage =
    "UPDATE runs SET cpu_nsec = ?2, memory_peak_bytes = ?3, io_read_bytes = ?4, io_write_bytes = ?5,"
    " end_cause = nullif(?6, '') WHERE id = ?1";
constexpr std::string_view kSetCoalesceGroup = "UPDATE runs SET coalesce_group = ?2 WHERE id = ?1";
constexpr std::string_view kSelectCheckpoint = "SELECT data FROM checkpoints WHERE app = ?1 AND identifier = ?2";
constexpr std::string_view kPutCheckpoint =
    "INSERT OR REPLACE INTO checkpoints (app, identifier, data, saved_at) VALUES (?1, ?2, ?3, ?4)";
constexpr std::string_view kDeleteCheckpoint = "DELETE FROM checkpoints WHERE app = ?1 AND identifier = ?2";
constexpr std::string_view kCheckpointInfo =
    "SELECT length(data), saved_at FROM checkpoints WHERE app = ?1 AND identifier = ?2";
constexpr std::string_view kSetRunCheckpointBytes = "UPDATE runs SET checkpoint_bytes = ?2 WHERE id = ?1";

// Columns 0-4, then the options from column 5 on (see OptionColumns.h), then the schedule
// options.
constexpr std::string_view kSelectRequests =
    "SELECT id, app, identifier, kind, submitted_at, earliest_begin, requires_network,"
    " requires_power, protection, title, subtitle, strategy, resources, network_type,"
    " battery_not_low, repeat_interval, flex, randomized_delay, backoff_delay, max_backoff_delay"
    " FROM requests ORDER BY id";
// Columns 0-4, the options from column 5, then started_at, deadline, simulated, then the
// schedule options.
constexpr std::string_view kSelectUnfinishedRuns =
    "SELECT id, app, identifier, kind, request_submitted_at, earliest_begin, requires_network,"
    " requires_power, protection, title, subtitle, strategy, resources, network_type,"
    " battery_not_low, started_at, deadline, simulated, repeat_interval, flex, randomized_delay,"
    " backoff_delay, max_backoff_delay FROM runs WHERE outcome IS NULL"
    " ORDER BY started_at, id";   // the order of the runs_unfinished index: no table scan
// Notifications (schema v6).
constexpr std::string_view kSelectNotifications =
    "SELECT owner, id, app, identifier FROM notifications ORDER BY owner, id";
constexpr std::string_view kUpsertNotification =
    "INSERT OR REPLACE INTO notifications (owner, id, app, identifier) VALUES (?1, ?2, ?3, ?4)";
constexpr std::string_view kDeleteNotification = "DELETE FROM notifications WHERE owner = ?1 AND id = ?2";
// Schedules (schema v4).
constexpr std::string_view kSelectSchedules =
    "SELECT app, identifier, source, period_start, last_success, last_end, failures FROM schedules"
    " ORDER BY app, identifier";
constexpr std::string_view kUpsertSchedule =
    "INSERT INTO schedules (app, identifier, source, period_start, last_success, last_end, failures)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (app, identifier) DO UPDATE SET"
    " source = excluded.source, period_start = excluded.period_start,"
    " last_success = excluded.last_success, last_end = excluded.last_end, failures = excluded.failures";
constexpr std::string_view kDeleteSchedule = "DELETE FROM schedules WHERE app = ?1 AND identifier = ?2";
// The policy table (schema v2). A column name cannot be a parameter, hence one upsert per
// setting; ?2 NULL clears the switch, and the row goes once both are cleared.
constexpr std::string_view kSelectPolicy = "SELECT app, refresh, continued FROM policy";
constexpr std::string_view kUpsertRefresh =
    "INSERT INTO policy (app, refresh) VALUES (?1, ?2)"
    " ON CONFLICT (app) DO UPDATE SET refresh = excluded.refresh";
constexpr std::string_view kUpsertContinued =
    "INSERT INTO policy (app, continued) VALUES (?1, ?2)"
    " ON CONFLICT (app) DO UPDATE SET continued = excluded.continued";
constexpr std::string_view kDeleteEmptyPolicy =
    "DELETE FROM policy WHERE app = ?1 AND refresh IS NULL AND continued IS NULL";

// Usage per app, in index-sized steps whatever the length of the history: the apps come from a
// skip scan of runs_by_app (one seek per app), and each subquery is a range of runs_by_app for
// that app (the last launches walk it backwards and stop at the first match; the day's sums
// read only the rows started since ?1). ?2 is the continued-processing kind, ?3 app-refresh,
// ?4/?5 the outcomes that are not charged, ?6 terminated. A run's charge is core::budgetCharge:
// its CPU time where measured, else its run time, where a negative run time (the wall clock
// was set back while the task ran) counts as zero rather than refunding the app.
constexpr std::string_view kSelectUsage = R"sql(
WITH RECURSIVE apps(app) AS (
    SELECT min(app) FROM runs
    UNION ALL
    SELECT (SELECT min(r.app) FROM runs r WHERE r.app > apps.app) FROM apps
    WHERE apps.app IS NOT NULL
)
SELECT a.app,
    (SELECT r.started_at FROM runs r WHERE r.app = a.app AND r.simulated = 0 AND r.kind <> ?2
       AND r.outcome IS NOT ?7 ORDER BY r.started_at DESC LIMIT 1),
    (SELECT r.started_at FROM runs r WHERE r.app = a.app AND r.simulated = 0 AND r.kind = ?3
       AND r.outcome IS NOT ?7 ORDER BY r.started_at DESC LIMIT 1),
    (SELECT coalesce(sum(coalesce(r.cpu_nsec / 1000, max(r.ended_at - r.started_at, 0))), 0) FROM runs r
     WHERE r.app = a.app AND r.started_at >= ?1 AND r.ended_at IS NOT NULL
       AND r.outcome IS NOT NULL AND r.outcome NOT IN (?4, ?5)
       AND r.simulated = 0 AND r.kind <> ?2),
    (SELECT count(*) FROM runs r
     WHERE r.app = a.app AND r.started_at >= ?1 AND r.ended_at IS NOT NULL
       AND r.outcome = ?6 AND r.simulated = 0 AND r.kind <> ?2)
FROM apps a WHERE a.app IS NOT NULL
)sql";

constexpr std::int64_t kJournalSizeLimit = 4 * 1024 * 1024;

constexpr int kFirstOptionColumn = 5;
constexpr int kAfterOptions = kFirstOptionColumn + kOptionColumnCount;
// The schedule options: the same number as parameter (?N) and as column of the SELECTs.
constexpr int kRequestScheduleColumn = kAfterOptions;   // in requests statements
constexpr int kRunScheduleColumn = kAfterOptions + 3;   // in runs statements, after started_at…simulated
constexpr int kRunIdColumn = kRunScheduleColumn + 5;    // kInsertRun: after the schedule columns

[[noreturn]] void fail(const std::string& text)
{
    throw core::Error(core::ErrorCode::Internal, "store-failed", text);
}

core::TaskKind kindAt(const Statement& stmt, int column)
{
    const std::string text = stmt.textAt(column);
    const std::optional<core::TaskKind> kind = core::parseTaskKind(text);
    if (!kind)
        fail("unknown task kind '" + text + "' in the database");
    return *kind;
}

std::optional<core::TimePoint> timeAt(const Statement& stmt, int column)
{
    if (stmt.isNull(column))
        return std::nullopt;
    return core::fromUsec(stmt.int64At(column));
}

// Columns 0-4 and the options of kSelectRequests and kSelectUnfinishedRuns.
core::TaskRequest readRequest(const Statement& stmt)
{
    core::TaskRequest request;
    request.id = stmt.int64At(0);
    request.app = stmt.textAt(1);
    request.identifier = stmt.textAt(2);
    request.kind = kindAt(stmt, 3);
    request.submittedAt = core::fromUsec(stmt.int64At(4));
    request.options = readOptions(stmt, kFirstOptionColumn);
    return request;
}

std::optional<std::int64_t> usecOf(const std::optional<core::TimePoint>& time)
{
    if (!time)
        return std::nullopt;
    return core::toUsec(*time);
}

// Parameters ?1-?4 and the options of kReplaceRequest and kInsertRun.
void bindRequest(Statement& stmt, const core::TaskRequest& request)
{
    stmt.bind(1, request.app)
        .bind(2, request.identifier)
        .bind(3, core::toString(request.kind))
        .bind(4, core::toUsec(request.submittedAt));
    bindOptions(stmt, kFirstOptionColumn, request.options);
}

// Only the filters that are set appear in the SQL, so that SQLite can use the indexes; the
// parameter numbers stay fixed (an unused ?N is simply never read).
std::string historySql(const HistoryFilter& filter)
{
    std::string sql = "SELECT id, app, identifier, kind, started_at, ended_at, outcome, reason,"
                      " simulated, cpu_nsec, memory_peak_bytes, io_read_bytes, io_write_bytes,"
                      " end_cause, coalesce_group, checkpoint_bytes FROM runs WHERE outcome IS NOT NULL";
    if (filter.app)
        sql += " AND app = ?1";
    if (filter.identifier)
        sql += " AND identifier = ?2";
    if (filter.since)
        sql += " AND started_at >= ?3";
    sql += " ORDER BY started_at DESC, id DESC LIMIT ?4";
    return sql;
}

core::RunRecord readRunRecord(const Statement& stmt)
{
    core::RunRecord record;
    record.runId = stmt.int64At(0);
    record.app = stmt.textAt(1);
    record.identifier = stmt.textAt(2);
    record.kind = kindAt(stmt, 3);
    record.startedAt = core::fromUsec(stmt.int64At(4));
    record.endedAt = timeAt(stmt, 5);
    const std::string outcome = stmt.textAt(6);
    record.outcome = core::parseOutcome(outcome);
    if (!record.outcome)
        fail("unknown outcome '" + outcome + "' in the database");
    record.reason = stmt.textAt(7);
    record.simulated = stmt.boolAt(8);
    const auto optionalAt = [&stmt](int column) {
        return stmt.isNull(column) ? std::nullopt : std::optional(stmt.int64At(column));
    };
    record.usage.cpuNsec = optionalAt(9);
    record.usage.memoryPeakBytes = optionalAt(10);
    record.usage.ioReadBytes = optionalAt(11);
    record.usage.ioWriteBytes = optionalAt(12);
    record.usage.endCause = stmt.isNull(13) ? "" : stmt.textAt(13);
    record.coalesceGroup = optionalAt(14);
    record.checkpointBytes = optionalAt(15);
    return record;
}

std::string_view policyUpsert(core::PolicySetting setting)
{
    switch (setting) {
    case core::PolicySetting::Refresh: return kUpsertRefresh;
    case core::PolicySetting::Continued: return kUpsertContinued;
    }
    fail("unknown policy setting " + std::to_string(static_cast<int>(setting)));
}

void enableWal(Database& db)
{
    Statement stmt = db.prepare("PRAGMA journal_mode = WAL");
    const std::string mode = stmt.step() ? stmt.textAt(0) : std::string();
    stmt.reset();
    if (mode != "wal")
        fail("cannot switch to write-ahead logging (journal mode stays '" + mode + "')");
}

} // namespace

Store::Store(const std::filesystem::path& databaseFile)
    : db_(std::make_unique<Database>(databaseFile))
{
    try {
        // Connection settings only, written nowhere: the migration's commit is durable too.
        db_->execute("PRAGMA synchronous = FULL");
        // A 512 KiB page cache instead of SQLite's 2 MiB: the daemon keeps its pending requests
        // in memory anyway and reads the file only at start and for history, and an idle
        // daemon should stay small (bench/README.md). The OS page cache serves the rest.
        db_->execute("PRAGMA cache_size = -512");
        // A WAL that grew in a burst is cut back to 4 MiB when it restarts from its beginning,
        // instead of keeping its largest size on disk.
        db_->execute("PRAGMA journal_size_limit = " + std::to_string(kJournalSizeLimit));
        // Checks the version before anything else writes: a too-new file stays as it is.
        migrate(*db_, migrations());
        enableWal(*db_);
        // After migrating: migrations turn enforcement off while they run.
        db_->execute("PRAGMA foreign_keys = ON");
    } catch (const core::Error& e) {
        const bool generic = e.subReason() == "store-failed";
        throw core::Error(e.code(), generic ? "store-open-failed" : e.subReason(),
                          databaseFile.string() + ": " + errorText(e));
    }
}

Store::~Store() = default;

void Store::onWalCommit(std::function<void(int frames)> callback)
{
    db_->onWalCommit(std::move(callback));
}

void Store::releaseMemory()
{
    db_->releaseMemory();
}

std::int64_t Store::cacheBytes() const
{
    return db_->cacheBytes();
}

int Store::latestSchemaVersion()
{
    return latestVersion(migrations());
}

int Store::schemaVersion() const
{
    return db_->userVersion();
}

Store::Transaction::Transaction(Store& store) : store_(store)
{
    store_.db_->begin();
}

Store::Transaction::~Transaction()
{
    if (!done_)
        store_.db_->rollback();
}

void Store::Transaction::commit()
{
    if (done_)
        fail("commit: the transaction was already committed");
    store_.db_->commit();
    done_ = true;
}

std::vector<core::TaskRequest> Store::loadRequests()
{
    // Sized up front: grown by doubling, the vector would hold up to twice the rows at start,
    // and the pending set would copy it once more to give the slack back.
    std::vector<core::TaskRequest> requests;
    {
        Statement count = db_->prepare("SELECT count(*) FROM requests");
        if (count.step())
            requests.reserve(static_cast<std::size_t>(count.int64At(0)));
    }
    Statement stmt = db_->prepare(kSelectRequests);
    while (stmt.step()) {
        requests.push_back(readRequest(stmt));
        readScheduleOptions(stmt, kRequestScheduleColumn, requests.back().options);
    }
    return requests;
}

std::int64_t Store::upsertRequest(const core::TaskRequest& request)
{
    // One statement, atomic by itself: binding validates before anything is deleted, and a
    // failing insert takes the deletion back with it. A savepoint around a DELETE and an INSERT
    // did the same in four statements, which cost a batched submit about 9,000 instructions
    // more (callgrind).
    Statement& replace = db_->cached(kReplaceRequest);
    bindRequest(replace, request);
    bindScheduleOptions(replace, kRequestScheduleColumn, request.options);
    replace.run();
    return db_->lastInsertId();
}

bool Store::deleteRequest(std::string_view app, std::string_view identifier)
{
    db_->cached(kDeleteRequestByKey).bind(1, app).bind(2, identifier).run();
    return db_->changes() > 0;
}

std::size_t Store::deleteAllRequests(std::string_view app)
{
    db_->cached(kDeleteRequestsOfApp).bind(1, app).run();
    return static_cast<std::size_t>(db_->changes());
}

std::int64_t Store::startRun(const core::RunningTask& run)
{
    std::int64_t id = 0;
    db_->atomically([&] {
        Statement& insert = db_->cached(kInsertRun);
        bindRequest(insert, run.request);   // validates before the request is consumed
        std::optional<std::int64_t> deadline;
        if (run.deadline)
            deadline = core::toUsec(*run.deadline);
        insert.bind(kAfterOptions, core::toUsec(run.startedAt))
            .bind(kAfterOptions + 1, deadline)
            .bind(kAfterOptions + 2, run.simulated);
        bindScheduleOptions(insert, kRunScheduleColumn, run.request.options);
        insert.bind(kRunIdColumn, run.runId != 0 ? std::optional(run.runId) : std::nullopt);
        // Continued processing starts without a stored request (id 0); a request replaced
        // since it was planned keeps its replacement.
        if (run.request.id != 0)
            db_->cached(kDeleteRequestById).bind(1, run.request.id).run();
        insert.run();
        id = db_->lastInsertId();
    });
    return id;
}

std::int64_t Store::runIdHighWater()
{
    auto& stmt = db_->cached(kRunIdHighWater);
    std::int64_t highest = 0;
    if (stmt.step()) {
        highest = stmt.int64At(0);
        stmt.reset();
    }
    return highest;
}

void Store::reserveRunIds(std::int64_t upTo)
{
    db_->atomically([&] {
        db_->cached(kRaiseRunSequence).bind(1, upTo).run();
        if (db_->changes() == 0)
            db_->cached(kInsertRunSequence).bind(1, upTo).run();
    });
}

std::int64_t Store::recordDropped(const core::TaskRequest& request, std::string_view reason, core::TimePoint at)
{
    std::int64_t id = 0;
    db_->atomically([&] {
        // By (app, identifier), as a cancel deletes: the row the request book held.
        deleteRequest(request.app, request.identifier);
        core::RunningTask run;
        run.request = request;
        run.request.id = 0;
        run.startedAt = at;
        id = startRun(run);
        finishRun(id, core::Outcome::Dropped, reason, at);
    });
    return id;
}

void Store::deleteRun(std::int64_t runId)
{
    db_->cached(kDeleteRun).bind(1, runId).run();
}

void Store::finishRun(std::int64_t runId, core::Outcome outcome, std::string_view reason,
                      core::TimePoint endedAt)
{
    db_->cached(kFinishRun)
        .bind(1, runId)
        .bind(2, core::toUsec(endedAt))
        .bind(3, core::toString(outcome))
        .bind(4, reason)
        .run();
    if (db_->changes() == 0)
        throw core::Error(core::ErrorCode::NotFound, "no-such-run",
                          "run " + std::to_string(runId) + " is unknown or already finished");
}

void Store::recordUsage(std::int64_t runId, const core::RunUsage& usage)
{
    db_->cached(kRecordUsage)
        .bind(1, runId)
        .bind(2, usage.cpuNsec)
        .bind(3, usage.memoryPeakBytes)
        .bind(4, usage.ioReadBytes)
        .bind(5, usage.ioWriteBytes)
        .bind(6, usage.endCause)
        .run();
}

void Store::setCoalesceGroup(std::int64_t runId, std::int64_t group)
{
    db_->cached(kSetCoalesceGroup).bind(1, runId).bind(2, group).run();
}

std::vector<std::uint8_t> Store::loadCheckpoint(std::string_view app, std::string_view identifier)
{
    auto& stmt = db_->cached(kSelectCheckpoint).bind(1, app).bind(2, identifier);
    std::vector<std::uint8_t> data;
    if (stmt.step()) {
        data = stmt.blobAt(0);
        stmt.reset();
    }
    return data;
}

void Store::putCheckpoint(std::string_view app, std::string_view identifier,
                          const std::vector<std::uint8_t>& data, core::TimePoint savedAt)
{
    db_->cached(kPutCheckpoint).bind(1, app).bind(2, identifier).bindBlob(3, data)
        .bind(4, core::toUsec(savedAt)).run();
}

void Store::deleteCheckpoint(std::string_view app, std::string_view identifier)
{
    db_->cached(kDeleteCheckpoint).bind(1, app).bind(2, identifier).run();
}

std::optional<CheckpointInfo> Store::checkpointInfo(std::string_view app, std::string_view identifier)
{
    auto& stmt = db_->cached(kCheckpointInfo).bind(1, app).bind(2, identifier);
    std::optional<CheckpointInfo> info;
    if (stmt.step()) {
        info = CheckpointInfo{stmt.int64At(0), core::fromUsec(stmt.int64At(1))};
        stmt.reset();
    }
    return info;
}

void Store::setRunCheckpointBytes(std::int64_t runId, std::int64_t bytes)
{
    db_->cached(kSetRunCheckpointBytes).bind(1, runId).bind(2, bytes).run();
}

std::vector<core::RunningTask> Store::loadUnfinishedRuns()
{
    std::vector<core::RunningTask> runs;
    Statement stmt = db_->prepare(kSelectUnfinishedRuns);
    while (stmt.step()) {
        core::RunningTask run;
        run.runId = stmt.int64At(0);
        run.request = readRequest(stmt);
        readScheduleOptions(stmt, kRunScheduleColumn, run.request.options);
        run.request.id = 0;   // the request row was consumed when the run started
        run.state = core::RunState::Running;
        run.startedAt = core::fromUsec(stmt.int64At(kAfterOptions));
        run.deadline = timeAt(stmt, kAfterOptions + 1);
        run.simulated = stmt.boolAt(kAfterOptions + 2);
        runs.push_back(std::move(run));
    }
    return runs;
}

std::vector<core::RunRecord> Store::history(const HistoryFilter& filter)
{
    constexpr std::size_t kMaxLimit = std::numeric_limits<std::int64_t>::max();
    Statement stmt = db_->prepare(historySql(filter));
    stmt.bind(1, filter.app).bind(2, filter.identifier);
    if (filter.since)
        stmt.bind(3, core::toUsec(*filter.since));
    stmt.bind(4, static_cast<std::int64_t>(std::min(filter.limit, kMaxLimit)));

    std::vector<core::RunRecord> records;
    while (stmt.step())
        records.push_back(readRunRecord(stmt));
    return records;
}

std::map<std::string, core::Switches, std::less<>> Store::loadUserPolicy()
{
    std::map<std::string, core::Switches, std::less<>> policy;
    Statement stmt = db_->prepare(kSelectPolicy);
    while (stmt.step()) {
        const core::Switches switches{stmt.optionalBoolAt(1), stmt.optionalBoolAt(2)};
        policy.emplace(stmt.textAt(0), switches);
    }
    return policy;
}

void Store::setUserPolicy(std::string_view app, core::PolicySetting setting,
                          std::optional<bool> enabled)
{
    // Clearing the last switch upserts a row and deletes it again: both or neither.
    db_->atomically([&] {
        db_->cached(policyUpsert(setting)).bind(1, app).bind(2, enabled).run();
        if (!enabled)
            db_->cached(kDeleteEmptyPolicy).bind(1, app).run();
    });
}

std::vector<core::ScheduleRecord> Store::loadSchedules()
{
    std::vector<core::ScheduleRecord> schedules;
    Statement stmt = db_->prepare(kSelectSchedules);
    while (stmt.step()) {
        core::ScheduleRecord record;
        record.app = stmt.textAt(0);
        record.identifier = stmt.textAt(1);
        const std::string source = stmt.textAt(2);
        const auto parsed = core::parseScheduleSource(source);
        if (!parsed)
            fail("unknown schedule source '" + source + "' in the database");
        record.source = *parsed;
        record.state.periodStart = timeAt(stmt, 3);
        record.state.lastSuccess = timeAt(stmt, 4);
        record.state.lastEnd = timeAt(stmt, 5);
        const auto failures = stmt.int64At(6);
        record.state.failures = static_cast<std::uint32_t>(
            std::clamp<std::int64_t>(failures, 0, std::numeric_limits<std::uint32_t>::max()));
        schedules.push_back(std::move(record));
    }
    return schedules;
}

void Store::putSchedule(const core::ScheduleRecord& record)
{
    db_->cached(kUpsertSchedule)
        .bind(1, record.app)
        .bind(2, record.identifier)
        .bind(3, core::toString(record.source))
        .bind(4, usecOf(record.state.periodStart))
        .bind(5, usecOf(record.state.lastSuccess))
        .bind(6, usecOf(record.state.lastEnd))
        .bind(7, std::int64_t{record.state.failures})
        .run();
}

bool Store::deleteSchedule(std::string_view app, std::string_view identifier)
{
    db_->cached(kDeleteSchedule).bind(1, app).bind(2, identifier).run();
    return db_->changes() > 0;
}

std::vector<NotificationRecord> Store::loadNotifications()
{
    std::vector<NotificationRecord> records;
    Statement stmt = db_->prepare(kSelectNotifications);
    while (stmt.step()) {
        const auto id = stmt.int64At(1);
        if (id <= 0 || id > std::numeric_limits<std::uint32_t>::max())
            fail("notification id " + std::to_string(id) + " out of range in the database");
        records.push_back({stmt.textAt(0), static_cast<std::uint32_t>(id), stmt.textAt(2), stmt.textAt(3)});
    }
    return records;
}

void Store::putNotification(const NotificationRecord& record)
{
    db_->cached(kUpsertNotification)
        .bind(1, record.owner)
        .bind(2, std::int64_t{record.id})
        .bind(3, record.app)
        .bind(4, record.identifier)
        .run();
}

void Store::deleteNotification(std::string_view owner, std::uint32_t id)
{
    db_->cached(kDeleteNotification).bind(1, owner).bind(2, std::int64_t{id}).run();
}

std::map<std::string, core::AppUsage, std::less<>> Store::loadUsage(core::TimePoint dayStart)
{
    std::map<std::string, core::AppUsage, std::less<>> usage;
    Statement stmt = db_->prepare(kSelectUsage);
    stmt.bind(1, core::toUsec(dayStart))
        .bind(2, core::toString(core::TaskKind::ContinuedProcessing))
        .bind(3, core::toString(core::TaskKind::AppRefresh))
        .bind(4, core::toString(core::Outcome::LaunchFailed))
        .bind(5, core::toString(core::Outcome::Interrupted))
        .bind(6, core::toString(core::Outcome::Terminated))
        .bind(7, core::toString(core::Outcome::Dropped));
    while (stmt.step()) {
        core::AppUsage app;
        app.lastLaunch = timeAt(stmt, 1);
        if (!app.lastLaunch)
            continue;   // only simulated or continued-processing runs: no use to account for
        app.lastRefreshLaunch = timeAt(stmt, 2);
        app.runTime = core::Duration{stmt.int64At(3)};
        app.terminations = static_cast<std::size_t>(stmt.int64At(4));
        usage.emplace(stmt.textAt(0), app);
    }
    return usage;
}

} // namespace bgtask::store
