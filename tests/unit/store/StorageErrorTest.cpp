// SPDX-License-Identifier: LGPL-2.1-or-later
// storeError: which SQLite failures are faults of the storage beneath (Unavailable with a
// storage-… sub-reason, worth trying again) and which are bgtaskd's own (Internal store-failed).
// The real faults, injected into the real daemon, are tests/integration/test_storage_faults.py.
#include "store/Database.h"

#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <cerrno>
#include <string>

using bgtask::core::ErrorCode;

TEST_CASE("Storage faults become Unavailable errors with their sub-reason")
{
    const auto [code, systemErrno, expectedCode, subReason] =
        GENERATE(table<int, int, ErrorCode, std::string>({
            {SQLITE_FULL, 0, ErrorCode::Unavailable, "storage-full"},
            {SQLITE_IOERR_WRITE, ENOSPC, ErrorCode::Unavailable, "storage-full"},
            {SQLITE_IOERR_FSYNC, EDQUOT, ErrorCode::Unavailable, "storage-full"},
            {SQLITE_READONLY, 0, ErrorCode::Unavailable, "storage-readonly"},
            {SQLITE_READONLY_DBMOVED, 0, ErrorCode::Unavailable, "storage-readonly"},
            {SQLITE_IOERR_WRITE, EROFS, ErrorCode::Unavailable, "storage-readonly"},
            {SQLITE_CANTOPEN, EACCES, ErrorCode::Unavailable, "storage-readonly"},
            {SQLITE_BUSY, 0, ErrorCode::Unavailable, "storage-busy"},
            {SQLITE_BUSY_SNAPSHOT, 0, ErrorCode::Unavailable, "storage-busy"},
            {SQLITE_LOCKED, 0, ErrorCode::Unavailable, "storage-busy"},
            {SQLITE_IOERR_WRITE, EIO, ErrorCode::Unavailable, "storage-io"},
            {SQLITE_IOERR_FSYNC, 0, ErrorCode::Unavailable, "storage-io"},
            {SQLITE_IOERR_SHORT_READ, 0, ErrorCode::Unavailable, "storage-io"},
            {SQLITE_CONSTRAINT_UNIQUE, 0, ErrorCode::Internal, "store-failed"},
            {SQLITE_CORRUPT, 0, ErrorCode::Internal, "store-failed"},
            {SQLITE_MISUSE, 0, ErrorCode::Internal, "store-failed"},
            {SQLITE_ERROR, ENOSPC, ErrorCode::Internal, "store-failed"},
        }));
    CAPTURE(code, systemErrno);
    const auto error = bgtask::store::storeError(code, systemErrno, "run `COMMIT`: disk I/O error");
    CHECK(error.code() == expectedCode);
    CHECK(error.subReason() == subReason);
    CHECK(std::string(error.what()) == subReason + ": run `COMMIT`: disk I/O error");
}
