// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Database.h"

#include "../core/Error.h"

#include <sqlite3.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <string>

namespace bgtask::store {

namespace {

constexpr int kBusyTimeoutMs = 5000;
constexpr std::size_t kQuotedSql = 60;   // how much of a failing statement an error quotes

// SQLite's process-wide memory statistics (sqlite3_memory_used(), the soft heap limit) cost a
// global mutex around every allocation SQLite makes, even on a NOMUTEX connection: about 20
// lock/unlock pairs per batched submit, measured with callgrind. bgtaskd reads none of them
// (releaseMemory() and cacheBytes() need no statistics). sqlite3_config() only works before
// SQLite initialises, so this runs before the process's first connection; afterwards it is a
// harmless SQLITE_MISUSE.
void turnOffMemoryStatistics()
{
    [[maybe_unused]] static const int once = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

// The first read of the file. A file that is not a database fails here (SQLITE_NOTADB), before
// any statement that could write to it has run. Returns SQLite's message, empty on success.
std::string readSchema(sqlite3* db)
{
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_schema", -1, &stmt, nullptr);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    std::string error = rc == SQLITE_OK || rc == SQLITE_ROW ? "" : sqlite3_errmsg(db);
    sqlite3_finalize(stmt);
    return error;
}

} // namespace

std::string errorText(const core::Error& error)
{
    std::string_view what = error.what();
    const std::string prefix = error.subReason() + ": ";
    if (what.substr(0, prefix.size()) == prefix)
        what.remove_prefix(prefix.size());
    return std::string(what);
}

core::Error storeError(int extendedCode, int systemErrno, const std::string& text)
{
    const auto unavailable = [&](const char* subReason) {
        return core::Error(core::ErrorCode::Unavailable, subReason, text);
    };
    switch (extendedCode & 0xff) {
    case SQLITE_FULL:
        return unavailable("storage-full");
    case SQLITE_READONLY:
        return unavailable("storage-readonly");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return unavailable("storage-busy");
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
        if (systemErrno == ENOSPC || systemErrno == EDQUOT)
            return unavailable("storage-full");
        if (systemErrno == EROFS || systemErrno == EACCES || systemErrno == EPERM)
            return unavailable("storage-readonly");
        return unavailable("storage-io");
    default:
        return core::Error(core::ErrorCode::Internal, "store-failed", text);
    }
}

core::Error storeError(sqlite3* db, int extendedCode, const std::string& text)
{
    int systemErrno = sqlite3_system_errno(db);
    const char* file = sqlite3_db_filename(db, "main");
    struct statvfs fs {};
    if ((extendedCode & 0xff) == SQLITE_IOERR && file != nullptr && *file != '\0' &&
        statvfs(file, &fs) == 0 && (fs.f_flag & ST_RDONLY) != 0)
        systemErrno = EROFS;
    return storeError(extendedCode, systemErrno, text);
}

void throwStoreFailed(sqlite3* db, std::string_view what)
{
    if (db == nullptr)
        throw core::Error(core::ErrorCode::Internal, "store-failed", std::string(what) + ": out of memory");
    throw storeError(db, sqlite3_extended_errcode(db), std::string(what) + ": " + sqlite3_errmsg(db));
}

Database::Database(const std::filesystem::path& file)
{
    turnOffMemoryStatistics();
    // NOMUTEX: the daemon uses the connection from its one loop thread only.
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    const int rc = sqlite3_open_v2(file.c_str(), &db_, flags, nullptr);
    std::string error;
    if (rc != SQLITE_OK) {
        // sqlite3_open_v2 hands back a handle even when it fails, to carry the message.
        error = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    } else if (sqlite3_db_readonly(db_, "main") == 1) {
        // SQLite falls back to read-only silently; every write would then fail at run time.
        error = "cannot open the file for writing";
    } else {
        sqlite3_extended_result_codes(db_, 1);
        sqlite3_busy_timeout(db_, kBusyTimeoutMs);
        error = readSchema(db_);
        if (!error.empty())
            error += "; refusing to touch it";
    }
    if (!error.empty()) {
        sqlite3_close(db_);
        db_ = nullptr;
        throw core::Error(core::ErrorCode::Internal, "store-open-failed",
                          file.string() + ": " + error);
    }
}

Database::~Database()
{
    rollback();
    cache_.clear();
    // _v2: should a Statement outlive us by mistake, the connection closes when it is finalized
    // instead of leaking.
    sqlite3_close_v2(db_);
}

Statement Database::prepare(std::string_view sql, unsigned flags)
{
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), flags,
                                      &stmt, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(stmt);
        throwStoreFailed(db_, "prepare `" + std::string(sql.substr(0, kQuotedSql)) + "`");
    }
    if (stmt == nullptr)   // only whitespace or a comment: nothing a caller could step
        throw core::Error(core::ErrorCode::Internal, "store-failed", "prepare: empty statement");
    return Statement(stmt);
}

Statement Database::prepare(std::string_view sql)
{
    return prepare(sql, 0);
}

Statement& Database::cached(std::string_view sql)
{
    auto it = cache_.find(sql);
    if (it == cache_.end())
        it = cache_.emplace(std::string(sql), prepare(sql, SQLITE_PREPARE_PERSISTENT)).first;
    it->second.reset();
    return it->second;
}

void Database::execute(std::string_view script)
{
    const char* next = script.data();
    const char* end = script.data() + script.size();
    while (next < end) {
        sqlite3_stmt* raw = nullptr;
        const char* tail = nullptr;
        const int rc =
            sqlite3_prepare_v2(db_, next, static_cast<int>(end - next), &raw, &tail);
        if (rc != SQLITE_OK) {
            sqlite3_finalize(raw);
            const std::string_view rest(next, static_cast<std::size_t>(end - next));
            throwStoreFailed(db_, "prepare `" + std::string(rest.substr(0, kQuotedSql)) + "`");
        }
        next = tail;
        if (raw == nullptr)   // only whitespace or comments were left
            continue;
        Statement(raw).run();
    }
}

int Database::userVersion()
{
    Statement stmt = prepare("PRAGMA user_version");
    if (!stmt.step())
        throwStoreFailed(db_, "read user_version");
    return static_cast<int>(stmt.int64At(0));
}

void Database::setUserVersion(int version)
{
    // PRAGMA takes no bound parameters; the value is an int of ours, never outside input.
    execute("PRAGMA user_version = " + std::to_string(version));
}

std::int64_t Database::lastInsertId() const
{
    return sqlite3_last_insert_rowid(db_);
}

std::int64_t Database::changes() const
{
    return sqlite3_changes64(db_);
}

bool Database::inTransaction() const
{
    return sqlite3_get_autocommit(db_) == 0;
}

void Database::begin()
{
    if (inTransaction())
        throw core::Error(core::ErrorCode::Internal, "store-failed",
                          "begin transaction: a transaction is already open (they do not nest)");
    cached("BEGIN IMMEDIATE").run();
}

void Database::commit()
{
    cached("COMMIT").run();
}

void Database::rollback() noexcept
{
    // A failed COMMIT or a statement error may already have rolled SQLite back.
    if (!inTransaction())
        return;
    try {
        cached("ROLLBACK").run();
    } catch (...) {
        // Nothing sensible to do: SQLite rolls an open transaction back when the connection closes.
    }
}

void Database::rollbackToSavepoint() noexcept
{
    if (!inTransaction())
        return;
    try {
        cached("ROLLBACK TO atomically").run();
        cached("RELEASE atomically").run();
    } catch (...) {
        // The enclosing transaction is the caller's to roll back.
    }
}

void Database::onWalCommit(std::function<void(int frames)> onCommit)
{
    // Off first (PRAGMA wal_autocheckpoint = 0): the auto-checkpoint is itself a WAL hook, and
    // setting it would replace ours. Neither call can fail, so unhooking never throws.
    sqlite3_wal_autocheckpoint(db_, 0);
    if (onCommit) {
        onWalCommit_ = std::make_unique<std::function<void(int)>>(std::move(onCommit));
        sqlite3_wal_hook(db_, &Database::walHook, onWalCommit_.get());
    } else {
        sqlite3_wal_hook(db_, nullptr, nullptr);
        onWalCommit_.reset();
    }
}

int Database::walHook(void* self, sqlite3*, const char* database, int frames)
{
    // Called after the commit, its write lock released; only the main database has a WAL of ours.
    if (std::string_view(database) == "main")
        (*static_cast<std::function<void(int)>*>(self))(frames);
    return SQLITE_OK;
}

Database::CheckpointResult Database::checkpoint(bool truncate)
{
    CheckpointResult result;
    const int rc = sqlite3_wal_checkpoint_v2(db_, "main", truncate ? SQLITE_CHECKPOINT_TRUNCATE
                                                                   : SQLITE_CHECKPOINT_PASSIVE,
                                             &result.walFrames, &result.checkpointedFrames);
    if (rc != SQLITE_OK)
        throwStoreFailed(db_, truncate ? "truncating checkpoint" : "checkpoint");
    return result;
}

void Database::releaseMemory()
{
    sqlite3_db_release_memory(db_);
}

std::int64_t Database::cacheBytes() const
{
    int current = 0;
    int highWater = 0;
    sqlite3_db_status(db_, SQLITE_DBSTATUS_CACHE_USED, &current, &highWater, 0);
    return current;
}

} // namespace bgtask::store
