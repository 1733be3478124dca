// SPDX-License-Identifier: LGPL-2.1-or-later
// One SQLite table written as bgtaskd's store writes: WAL, synchronous=FULL, so that a COMMIT
// returns only once it is durable. For the bench's servers that answer after their commit (the
// echo server's EchoCommitted, the commit-only server). Owns the connection and one prepared
// statement; errors are std::runtime_error naming the owner.
#pragma once

#include <cstddef>
#include <string>

struct sqlite3;
struct sqlite3_stmt;

namespace bgtask::bench {

class DurableTable {
public:
    // Opens (creating) path, creates the table with `schema` if missing, prepares `statement`.
    DurableTable(const std::string& owner, const std::string& path, const char* schema, const char* statement);
    ~DurableTable();
    DurableTable(const DurableTable&) = delete;
    DurableTable& operator=(const DurableTable&) = delete;

    void begin() { exec("BEGIN"); }
    void commit() { exec("COMMIT"); }
    void rollback() noexcept;

    // Binds the statement's parameters from 1 on (their bytes must outlive run()).
    void bindText(int index, const std::string& text);
    void bindBlob(int index, const void* data, std::size_t size);
    // Runs the statement once and resets it.
    void run();

private:
    void exec(const char* sql);
    [[noreturn]] void fail(const std::string& what) const;

    std::string owner_;
    sqlite3* db_ = nullptr;
    sqlite3_stmt* statement_ = nullptr;
};

} // namespace bgtask::bench
