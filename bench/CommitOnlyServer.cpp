// SPDX-License-Identifier: LGPL-2.1-or-later
#include "CommitOnlyServer.h"

#include "DurableTable.h"
#include "Window.h"

#include <sdbus-c++/sdbus-c++.h>

#include <poll.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace bgtask::bench {

int runCommitOnlyServer(const std::string& database)
{
    DurableTable requests("commit-only server", database,
                          "CREATE TABLE IF NOT EXISTS requests (sender TEXT, kind TEXT, identifier TEXT, options BLOB,"
                          " PRIMARY KEY (sender, identifier))",
                          "INSERT OR REPLACE INTO requests VALUES (?, ?, ?, ?)");
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
        const auto sender = call.getSender();
        requests.bindText(1, sender);
        requests.bindText(2, kind);
        requests.bindText(3, identifier);
        requests.bindBlob(4, values.data(), values.size() * sizeof(std::int64_t));
        requests.run();
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
