// SPDX-License-Identifier: LGPL-2.1-or-later
#include "RawSqlite.h"

#include <sqlite3.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace bgtask::store::test {

namespace {

struct CloseDb {
    void operator()(sqlite3* db) const { sqlite3_close(db); }
};
using DbPtr = std::unique_ptr<sqlite3, CloseDb>;

DbPtr openRaw(const std::filesystem::path& file)
{
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                   nullptr);
    DbPtr db(raw);
    if (rc != SQLITE_OK)
        throw std::runtime_error("open " + file.string() + ": " + sqlite3_errstr(rc));
    return db;
}

} // namespace

void executeSql(const std::filesystem::path& file, const std::string& script)
{
    DbPtr db = openRaw(file);
    char* error = nullptr;
    if (sqlite3_exec(db.get(), script.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
        const std::string message = error != nullptr ? error : "unknown error";
        sqlite3_free(error);
        throw std::runtime_error("executing SQL on " + file.string() + ": " + message);
    }
}

std::vector<std::string> queryColumn(const std::filesystem::path& file, const std::string& sql)
{
    DbPtr db = openRaw(file);
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &raw, nullptr) != SQLITE_OK)
        throw std::runtime_error("prepare " + sql + ": " + sqlite3_errmsg(db.get()));
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt(raw, sqlite3_finalize);
    std::vector<std::string> values;
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
        const auto* text = sqlite3_column_text(stmt.get(), 0);
        values.emplace_back(text != nullptr ? reinterpret_cast<const char*>(text) : "NULL");
    }
    if (rc != SQLITE_DONE)
        throw std::runtime_error("step " + sql + ": " + sqlite3_errmsg(db.get()));
    return values;
}

std::string readFileBytes(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot read " + file.string());
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

std::string readTestData(const std::string& name)
{
    return readFileBytes(std::filesystem::path(BGTASKD_TEST_DATA_DIR) / name);
}

} // namespace bgtask::store::test
