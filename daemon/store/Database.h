// SPDX-License-Identifier: LGPL-2.1-or-later
// One SQLite connection: prepares statements, keeps a small cache of the hot ones, runs schema
// scripts and brackets transactions. Owns the sqlite3 handle and the cached statements; knows
// nothing about bgtaskd's tables. Every SQLite failure becomes a core::Error (storeError():
// Unavailable "storage-…" for faults of the disk beneath, else Internal "store-failed").
#pragma once

#include "Statement.h"

#include "../core/Error.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

struct sqlite3;

namespace bgtask::store {

class Database {
public:
    // Opens (creating if missing) the file read-write with a 5 s busy timeout and reads its
    // schema, which writes nothing. Throws core::Error(Internal, "store-open-failed",
    // "<path>: <reason>") when the file cannot be opened for writing or is not a database.
    explicit Database(const std::filesystem::path& file);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    Statement prepare(std::string_view sql);
    // The same prepared statement every time for the same SQL text, reset with its parameters
    // unbound. Valid until the Database is destroyed.
    Statement& cached(std::string_view sql);
    // Runs every statement of a parameterless script (schema changes, pragmas), in order.
    void execute(std::string_view script);

    int userVersion();
    void setUserVersion(int version);
    std::int64_t lastInsertId() const;
    std::int64_t changes() const;

    // Explicit transactions: BEGIN IMMEDIATE takes the write lock up front, so a transaction
    // never fails half-way with SQLITE_BUSY when it starts to write. They do not nest.
    bool inTransaction() const;
    void begin();
    void commit();
    // Never throws: used from destructors and on error paths.
    void rollback() noexcept;
    // Runs body all-or-nothing: in a transaction of its own, or, when one is already open, in
    // a savepoint of it, so that a failed multi-statement mutation leaves nothing half done
    // even in a batch whose caller carries on.
    template <typename Body>
    void atomically(Body&& body)
    {
        const bool own = !inTransaction();
        if (own)
            begin();
        else
            cached("SAVEPOINT atomically").run();
        try {
            body();
        } catch (...) {
            if (own)
                rollback();
            else
                rollbackToSavepoint();
            throw;
        }
        if (own)
            commit();
        else
            cached("RELEASE atomically").run();
    }

    // After every commit of this connection, onCommit gets the number of frames in the WAL.
    // Installing it turns SQLite's automatic checkpoints off on this connection (they would run
    // inside the commit): whoever listens checkpoints (WalCheckpointer). An empty function
    // removes the listener; auto-checkpoints stay off.
    void onWalCommit(std::function<void(int frames)> onCommit);
    // Checkpoints the WAL into the database file: PASSIVE copies what it can without waiting
    // for anyone; TRUNCATE waits (busy timeout) for the writer and the readers, copies every
    // frame and truncates the WAL to nothing. Throws storeError on failure, including
    // Unavailable "storage-busy" when TRUNCATE could not get the locks in time.
    struct CheckpointResult {
        int walFrames = 0;          // frames in the WAL
        int checkpointedFrames = 0; // of which copied into the database
    };
    CheckpointResult checkpoint(bool truncate);
    // Frees what this connection's page cache holds and does not need (the next read loads
    // pages again), and how many bytes the cache holds now.
    void releaseMemory();
    std::int64_t cacheBytes() const;

private:
    static int walHook(void* self, sqlite3*, const char* database, int frames);
    Statement prepare(std::string_view sql, unsigned flags);
    void rollbackToSavepoint() noexcept;

    sqlite3* db_ = nullptr;
    // Behind a pointer of its own: SQLite keeps its address for the hook.
    std::unique_ptr<std::function<void(int)>> onWalCommit_;
    // Destroyed (finalized) before db_ is closed: see ~Database().
    std::map<std::string, Statement, std::less<>> cache_;
};

// The sentence of a core::Error, without its "sub-reason: " prefix.
std::string errorText(const core::Error& error);

// The typed error of a failed SQLite call, by its extended result code and the errno of the
// system call under it. Faults of the storage beneath the file, which go away by themselves or
// by an administrator's hand, are Unavailable with a sub-reason: "storage-full" (SQLITE_FULL,
// ENOSPC, EDQUOT), "storage-readonly" (SQLITE_READONLY, EROFS, EACCES, EPERM), "storage-busy"
// (SQLITE_BUSY or SQLITE_LOCKED: another process holds the database's lock), "storage-io" (any
// other SQLITE_IOERR or SQLITE_CANTOPEN). Anything else is Internal "store-failed".
core::Error storeError(int extendedCode, int systemErrno, const std::string& text);

// storeError() for a call on this connection that failed with extendedCode. SQLite's system
// errno may be a later call's, so an I/O error is also checked against the file system:
// statvfs() of the database file saying read-only makes it "storage-readonly".
core::Error storeError(sqlite3* db, int extendedCode, const std::string& text);

// Throws storeError(db, …, "<what>: <the connection's last error>").
[[noreturn]] void throwStoreFailed(sqlite3* db, std::string_view what);

} // namespace bgtask::store
