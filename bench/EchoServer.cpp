// SPDX-License-Identifier: LGPL-2.1-or-later
#include "EchoServer.h"

#include "DurableTable.h"
#include "Window.h"

#include <sdbus-c++/sdbus-c++.h>

#include <memory>
#include <string>

namespace bgtask::bench {
namespace {

// One durable single-row transaction per call, as bench/benchenv.py's durable_commits makes.
class CommitLog {
public:
    explicit CommitLog(const std::string& path)
        : table_("echo server", path,
                 "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, app TEXT, identifier TEXT, options BLOB)",
                 "INSERT INTO t (app, identifier, options) VALUES (?, ?, ?)")
    {
    }

    void commitOneRow()
    {
        static const std::string app = "org.bgtaskd.bench.app0";
        static const std::string identifier = "bench.process.n0";
        static const std::string options(64, 'x');
        table_.begin();
        table_.bindText(1, app);
        table_.bindText(2, identifier);
        table_.bindBlob(3, options.data(), options.size());
        try {
            table_.run();
        } catch (...) {
            table_.rollback();
            throw;
        }
        table_.commit();
    }

private:
    DurableTable table_;
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
