// SPDX-License-Identifier: LGPL-2.1-or-later
#include "FeedCache.h"

#include <sqlite3.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace feeds {
namespace {

struct StatementDeleter {
    void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

[[noreturn]] void fail(sqlite3* db, const std::string& what)
{
    throw std::runtime_error(what + ": " + sqlite3_errmsg(db));
}

Statement prepare(sqlite3* db, const char* sql)
{
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) != SQLITE_OK)
        fail(db, "Failed to prepare a statement");
    return Statement(statement);
}

} // namespace

FeedCache::FeedCache(const std::filesystem::path& file)
{
    if (file.has_parent_path())
        std::filesystem::create_directories(file.parent_path());
    if (sqlite3_open(file.c_str(), &db_) != SQLITE_OK) {
        const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        throw std::runtime_error("Failed to open " + file.string() + ": " + message);
    }
    sqlite3_busy_timeout(db_, 5000);
    exec("PRAGMA journal_mode=WAL");
    exec("CREATE TABLE IF NOT EXISTS items("
         " feed TEXT NOT NULL,"
         " item TEXT NOT NULL,"
         " fetched_at INTEGER NOT NULL,"
         " PRIMARY KEY(feed, item))");
}

FeedCache::~FeedCache()
{
    sqlite3_close(db_);
}

void FeedCache::exec(const char* sql)
{
    char* error = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
        const std::string message = error ? error : "unknown error";
        sqlite3_free(error);
        throw std::runtime_error(std::string("Failed to run \"") + sql + "\": " + message);
    }
}

std::size_t FeedCache::store(const std::vector<Feed>& feeds, std::chrono::system_clock::time_point fetchedAt,
                             std::stop_token stop)
{
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(fetchedAt.time_since_epoch()).count();
    auto upsert = prepare(db_, "INSERT INTO items(feed, item, fetched_at) VALUES(?1, ?2, ?3)"
                               " ON CONFLICT(feed, item) DO UPDATE SET fetched_at = excluded.fetched_at");
    exec("BEGIN IMMEDIATE");
    std::size_t stored = 0;
    try {
        for (const auto& feed : feeds) {
            if (stop.stop_requested()) {
                exec("ROLLBACK");
                return 0;
            }
            for (const auto& item : feed.items) {
                sqlite3_reset(upsert.get());
                sqlite3_bind_text(upsert.get(), 1, feed.title.c_str(), -1, SQLITE_TRANSIENT);
                sqlite3_bind_text(upsert.get(), 2, item.c_str(), -1, SQLITE_TRANSIENT);
                sqlite3_bind_int64(upsert.get(), 3, seconds);
                if (sqlite3_step(upsert.get()) != SQLITE_DONE)
                    fail(db_, "Failed to store an item of " + feed.title);
                ++stored;
            }
        }
        exec("COMMIT");
    } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
    return stored;
}

std::size_t FeedCache::itemCount()
{
    auto count = prepare(db_, "SELECT count(*) FROM items");
    if (sqlite3_step(count.get()) != SQLITE_ROW)
        fail(db_, "Failed to count items");
    return static_cast<std::size_t>(sqlite3_column_int64(count.get(), 0));
}

} // namespace feeds
