// SPDX-License-Identifier: LGPL-2.1-or-later
#include "CommitOnlyServer.h"

#include "Window.h"

#include <sdbus-c++/sdbus-c++.h>
#include <sqlite3.h>

#include <poll.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace bgtask::bench {
namespace {

class Requests {
public:
    explicit Requests(const std::string& path)
    {
        if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK)
            fail("open");
        exec("PRAGMA journal_mode = WAL");
        exec("PRAGMA synchronous = FULL");
        exec("CREATE TABLE IF NOT EXISTS requests (sender TEXT, kind TEXT, identifier TEXT, options BLOB,"
             " PRIMARY KEY (sender, identifier))");
        if (sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO requests VALUES (?, ?, ?, ?)", -1, &upsert_, nullptr) !=
            SQLITE_OK)
            fail("prepare");
    }
    ~Requests()
    {
        sqlite3_finalize(upsert_);
        sqlite3_close(db_);
    }
    Requests(const Requests&) = delete;
    Requests& operator=(const Requests&) = delete;

    void begin() { exec("BEGIN"); }
    void store(const std::string& sender, const std::string& kind, const std::string& identifier, const void* options,
               std::size_t size)
    {
        sqlite3_bind_text(upsert_, 1, sender.data(), static_cast<int>(sender.size()), SQLITE_STATIC);
        sqlite3_bind_text(upsert_, 2, kind.data(), static_cast<int>(kind.size()), SQLITE_STATIC);
        sqlite3_bind_text(upsert_, 3, identifier.data(), static_cast<int>(identifier.size()), SQLITE_STATIC);
        sqlite3_bind_blob(upsert_, 4, options, static_cast<int>(size), SQLITE_STATIC);
        const int rc = sqlite3_step(upsert_);
        sqlite3_reset(upsert_);
        if (rc != SQLITE_DONE)
            fail("insert");
    }
    void commit() { exec("COMMIT"); }

private:
    void exec(const char* sql)
    {
        if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK)
            fail(sql);
    }
    [[noreturn]] void fail(const std::string& what) const
    {
        throw std::runtime_error("commit-only server's database: " + what + ": " +
                                 (db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory"));
    }

    sqlite3* db_ = nullptr;
    sqlite3_stmt* upsert_ = nullptr;
};

} // namespace

int runCommitOnlyServer(const std::string& database)
{
    Requests requests(database);
    auto connection = sdbus::createSessionBusConnection();
    auto object = sdbus::createObject(*connection, "/org/bgtaskd");
    std::vector<sdbus::MethodCall> unanswered;   // stored in the open transaction, answered after its commit
    // Raw registration, so that no sdbus::Variant is made: the options are read in place. This
    // server understands the options the bench sends (EarliestBeginDate, an x); any other type
    // is refused, as an unknown option would be.
    object->registerMethod("org.bgtaskd.Scheduler1", "Submit", "ssa{sv}", "", [&](sdbus::MethodCall call) {
        std::string kind;
        std::string identifier;
        call >> kind >> identifier;
        std::vector<std::int64_t> values;
        call.enterContainer("{sv}");
        while (call.enterDictEntry("sv")) {
            std::string name;
            call >> name;
            if (!call.enterVariant("x"))
                throw sdbus::Error("org.bgtaskd.Error.InvalidArgument", "wrong-type: " + name);
            std::int64_t value = 0;
            call >> value;
            values.push_back(value);
            call.exitVariant();
            call.exitDictEntry();
        }
        call.clearFlags();
        call.exitContainer();
        if (unanswered.empty())
            requests.begin();
        requests.store(call.getSender(), kind, identifier, values.data(), values.size() * sizeof(std::int64_t));
        unanswered.push_back(std::move(call));
    });
    object->finishRegistration();
    connection->requestName("org.bgtaskd");
    announce("ready");
    for (;;) {
        while (connection->processPendingRequest()) {
        }
        if (!unanswered.empty()) {
            requests.commit();
            for (auto& call : unanswered)
                call.createReply().send();
            unanswered.clear();
            continue;   // the answers went out; more calls may have come in meanwhile
        }
        const auto pd = connection->getEventLoopPollData();
        pollfd fd{pd.fd, pd.events, 0};
        const int timeoutMs = pd.timeout_usec == UINT64_MAX ? -1 : 100;
        ::poll(&fd, 1, timeoutMs);
    }
}

} // namespace bgtask::bench
