// SPDX-License-Identifier: LGPL-2.1-or-later
#include "DurableTable.h"

#include <sqlite3.h>

#include <stdexcept>

namespace bgtask::bench {

DurableTable::DurableTable(const std::string& owner, const std::string& path, const char* schema,
                           const char* statement)
    : owner_(owner)
{
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
        // A handle comes back even on failure, to carry the message; fail() reads it.
        try {
            fail("open");
        } catch (...) {
            sqlite3_close(db_);
            throw;
        }
    }
    try {
        exec("PRAGMA journal_mode = WAL");
        exec("PRAGMA synchronous = FULL");
        exec(schema);
        if (sqlite3_prepare_v2(db_, statement, -1, &statement_, nullptr) != SQLITE_OK)
            fail("prepare");
    } catch (...) {
        sqlite3_close(db_);
        throw;
    }
}

DurableTable::~DurableTable()
{
    sqlite3_finalize(statement_);
    sqlite3_close(db_);
}

void DurableTable::rollback() noexcept
{
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void DurableTable::bindText(int index, const std::string& text)
{
    sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
}

void DurableTable::bindBlob(int index, const void* data, std::size_t size)
{
    sqlite3_bind_blob(statement_, index, data, static_cast<int>(size), SQLITE_STATIC);
}

void DurableTable::run()
{
    const int rc = sqlite3_step(statement_);
    sqlite3_reset(statement_);
    if (rc != SQLITE_DONE)
        fail("write");
}

void DurableTable::exec(const char* sql)
{
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK)
        fail(sql);
}

void DurableTable::fail(const std::string& what) const
{
    throw std::runtime_error(owner_ + "'s database: " + what + ": " +
                             (db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory"));
}

} // namespace bgtask::bench
