// SPDX-License-Identifier: LGPL-2.1-or-later
#include "EchoServer.h"

#include "Window.h"

#include <sdbus-c++/sdbus-c++.h>
#include <sqlite3.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace bgtask::bench {
namespace {

// One durable single-row transaction per call, as bench/benchenv.py's durable_commits makes.
class CommitLog {
public:
    explicit CommitLog(const std::string& path)
    {
        if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK)
            fail("open");
        exec("PRAGMA journal_mode = WAL");
        exec("PRAGMA synchronous = FULL");
        exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, app TEXT, identifier TEXT, options BLOB)");
        if (sqlite3_prepare_v2(db_, "INSERT INTO t (app, identifier, options) VALUES (?, ?, ?)", -1, &insert_,
                               nullptr) != SQLITE_OK)
            fail("prepare");
    }
    ~CommitLog()
    {
        sqlite3_finalize(insert_);
        sqlite3_close(db_);
    }
    CommitLog(const CommitLog&) = delete;
    CommitLog& operator=(const CommitLog&) = delete;

    void commitOneRow()
    {
        static const std::string options(64, 'x');
        exec("BEGIN");
        sqlite3_bind_text(insert_, 1, "org.bgtaskd.bench.app0", -1, SQLITE_STATIC);
        sqlite3_bind_text(insert_, 2, "bench.process.n0", -1, SQLITE_STATIC);
        sqlite3_bind_blob(insert_, 3, options.data(), static_cast<int>(options.size()), SQLITE_STATIC);
        const int rc = sqlite3_step(insert_);
        sqlite3_reset(insert_);
        if (rc != SQLITE_DONE) {
            sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
            fail("insert");
        }
        exec("COMMIT");
    }

private:
    void exec(const char* sql)
    {
        if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK)
            fail(sql);
    }
    [[noreturn]] void fail(const std::string& what) const
    {
        throw std::runtime_error("echo server's database: " + what + ": " +
                                 (db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory"));
    }

    sqlite3* db_ = nullptr;
    sqlite3_stmt* insert_ = nullptr;
};

} // namespace

int runEchoServer(const std::string& database)
{
    auto connection = sdbus::createSessionBusConnection();
    auto object = sdbus::createObject(*connection, kEchoObjectPath);
    object->registerMethod(kEchoMethod).onInterface(kEchoInterface).implementedAs([](const std::string& text) {
        return text;
    });
    std::unique_ptr<CommitLog> log;
    if (!database.empty()) {
        log = std::make_unique<CommitLog>(database);
        object->registerMethod(kEchoCommittedMethod).onInterface(kEchoInterface).implementedAs(
            [&log](const std::string& text) {
                try {
                    log->commitOneRow();
                } catch (const std::runtime_error& e) {
                    throw sdbus::Error("org.bgtaskd.Bench1.Error.Storage", e.what());
                }
                return text;
            });
    }
    object->finishRegistration();
    connection->requestName(kEchoBusName);
    announce("ready");
    // One thread, like bgtaskd: the same loop dispatches every call in turn.
    connection->enterEventLoop();
    return 0;
}

} // namespace bgtask::bench
