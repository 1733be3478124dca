// SPDX-License-Identifier: LGPL-2.1-or-later
// launch::Notifier against python-dbusmock's notification_daemon template on a private session
// bus, driven by the daemon's own event loop and bus source. What the notifier sent is read back
// from the mock's call log (org.freedesktop.DBus.Mock.GetCalls); what the user does is played
// with Mock.EmitSignal.
#include "DbusMock.h"
#include "Eventually.h"

#include "app/BusLoopSource.h"
#include "app/EventLoop.h"
#include "launch/Notifier.h"
#include "service/Log.h"

#include <catch2/catch.hpp>

#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/IProxy.h>
#include <sdbus-c++/Types.h>

#include <spdlog/sinks/ringbuffer_sink.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace bgtask::launch {
namespace {

using namespace std::chrono_literals;
using watch::test::Bus;
using watch::test::DbusMock;

constexpr const char* kName = "org.freedesktop.Notifications";
constexpr const char* kPath = "/org/freedesktop/Notifications";
constexpr const char* kApp = "org.example.Feeds";

struct NotifyCall {
    std::string appName;
    std::uint32_t replacesId = 0;
    std::string icon;
    std::string summary;
    std::string body;
    std::vector<std::string> actions;
    std::map<std::string, sdbus::Variant> hints;
    std::int32_t expireTimeout = -1;
};

// The notification daemon: the mock process and a separate connection that reads its call log.
class NotificationMock {
public:
    NotificationMock() : mock_(DbusMock::fromTemplate("notification_daemon", kName, Bus::Session)) {}

    std::vector<NotifyCall> notifies() const
    {
        std::vector<NotifyCall> result;
        for (const auto& args : callsOf("Notify")) {
            REQUIRE(args.size() == 8);
            result.push_back({args[0].get<std::string>(), args[1].get<std::uint32_t>(), args[2].get<std::string>(),
                              args[3].get<std::string>(), args[4].get<std::string>(),
                              args[5].get<std::vector<std::string>>(),
                              args[6].get<std::map<std::string, sdbus::Variant>>(), args[7].get<std::int32_t>()});
        }
        return result;
    }
    std::vector<std::uint32_t> closes() const
    {
        std::vector<std::uint32_t> ids;
        for (const auto& args : callsOf("CloseNotification")) {
            REQUIRE(args.size() == 1);
            // The template declares CloseNotification(i), not the specification's (u), and logs
            // the id converted to its declaration.
            ids.push_back(args[0].containsValueOfType<std::int32_t>()
                              ? static_cast<std::uint32_t>(args[0].get<std::int32_t>())
                              : args[0].get<std::uint32_t>());
        }
        return ids;
    }
    // The unique bus name of the mock: the owner the notifier keeps the ids under.
    std::string owner() const
    {
        const auto bus = sdbus::createProxy(*connection_, "org.freedesktop.DBus", "/org/freedesktop/DBus");
        std::string name;
        bus->callMethod("GetNameOwner").onInterface("org.freedesktop.DBus").withArguments(std::string(kName)).storeResultsTo(name);
        return name;
    }
    // What a notification server sends when the user presses a button or dismisses one.
    void actionInvoked(std::uint32_t id, const std::string& action) const
    {
        emit("ActionInvoked", "us", "[<uint32 " + std::to_string(id) + ">, <'" + action + "'>]");
    }
    // reason 2: dismissed by the user; 1: expired; 3: closed by CloseNotification.
    void notificationClosed(std::uint32_t id, std::uint32_t reason = 2) const
    {
        emit("NotificationClosed", "uu",
             "[<uint32 " + std::to_string(id) + ">, <uint32 " + std::to_string(reason) + ">]");
    }

private:
    std::vector<std::vector<sdbus::Variant>> callsOf(const std::string& method) const
    {
        std::vector<sdbus::Struct<std::uint64_t, std::string, std::vector<sdbus::Variant>>> calls;
        proxy_->callMethod("GetCalls").onInterface("org.freedesktop.DBus.Mock").storeResultsTo(calls);
        std::vector<std::vector<sdbus::Variant>> result;
        for (const auto& call : calls)
            if (std::get<1>(call) == method)
                result.push_back(std::get<2>(call));
        return result;
    }
    void emit(const std::string& signal, const std::string& signature, const std::string& args) const
    {
        mock_.call(kPath, "org.freedesktop.DBus.Mock.EmitSignal", {kName, signal, signature, args});
    }

    DbusMock mock_;
    std::unique_ptr<sdbus::IConnection> connection_ = sdbus::createSessionBusConnection();
    std::unique_ptr<sdbus::IProxy> proxy_ = sdbus::createProxy(*connection_, kName, kPath);
};

// The daemon's side: its loop, its session-bus connection and a notifier recording cancels.
struct NotifierFixture {
    NotifierFixture() { watch::test::requirePrivateBus(Bus::Session); }

    app::EventLoop loop;
    std::unique_ptr<sdbus::IConnection> bus = sdbus::createSessionBusConnection();
    app::BusLoopSource busSource{loop, *bus, {}};
    std::vector<std::pair<std::string, std::string>> cancelled;
    // The ledger: what the notifier keeps (the store in the daemon).
    std::vector<store::NotificationRecord> kept;
    std::vector<store::NotificationRecord> leftOver;   // set before restart()
    std::unique_ptr<Notifier> notifier = make();

    std::unique_ptr<Notifier> make()
    {
        Notifier::Ledger ledger{[this](const store::NotificationRecord& r) { kept.push_back(r); },
                                [this](const std::string& owner, std::uint32_t id) {
                                    std::erase_if(kept, [&](const auto& r) { return r.owner == owner && r.id == id; });
                                }};
        return std::make_unique<Notifier>(
            *bus, [this](const std::string& app, const std::string& identifier) { cancelled.emplace_back(app, identifier); },
            std::move(ledger), leftOver);
    }

    bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 5000ms)
    {
        return watch::test::eventually(loop.raw(), condition, timeout);
    }
    bool staysTrue(const std::function<bool()>& condition, std::chrono::milliseconds duration = 300ms)
    {
        return watch::test::staysTrue(loop.raw(), condition, duration);
    }
};

service::TaskNotification exporting(std::string identifier = "org.example.Feeds.export", std::optional<int> percent = 30)
{
    return {kApp, std::move(identifier), "Exporting photos", "3 of 10 files", percent, false};
}

} // namespace

TEST_CASE("The first show creates a notification with the title, subtitle, Cancel action and hints")
{
    NotificationMock mock;
    NotifierFixture f;

    f.notifier->show(exporting());

    REQUIRE(f.eventually([&] { return mock.notifies().size() == 1; }));
    const auto call = mock.notifies().front();
    CHECK(call.appName == "bgtaskd");
    CHECK(call.replacesId == 0);
    CHECK(call.icon.empty());
    CHECK(call.summary == "Exporting photos");
    CHECK(call.body == "3 of 10 files");
    CHECK(call.actions == std::vector<std::string>{"cancel", "Cancel"});
    CHECK(call.expireTimeout == 0);
    CHECK(call.hints.size() == 3);
    CHECK(call.hints.at("value").get<std::int32_t>() == 30);
    CHECK(call.hints.at("desktop-entry").get<std::string>() == kApp);
    CHECK(call.hints.at("urgency").get<std::uint8_t>() == 0);
}

TEST_CASE("A queued task's notification says it waits and shows no progress")
{
    NotificationMock mock;
    NotifierFixture f;

    auto queued = exporting("org.example.Feeds.export", std::nullopt);
    queued.queued = true;
    f.notifier->show(queued);

    REQUIRE(f.eventually([&] { return mock.notifies().size() == 1; }));
    const auto call = mock.notifies().front();
    CHECK(call.body == "3 of 10 files\nWaiting to start");
    CHECK(call.hints.count("value") == 0);
}

TEST_CASE("A changed show replaces the notification in place and an identical one sends nothing")
{
    NotificationMock mock;
    NotifierFixture f;

    f.notifier->show(exporting());
    REQUIRE(f.eventually([&] { return mock.notifies().size() == 1; }));
    f.notifier->show(exporting("org.example.Feeds.export", 40));
    REQUIRE(f.eventually([&] { return mock.notifies().size() == 2; }));
    f.notifier->show(exporting("org.example.Feeds.export", 40));

    CHECK(f.staysTrue([&] { return mock.notifies().size() == 2; }));
    const auto calls = mock.notifies();
    CHECK(calls[1].replacesId == 1);   // the id the mock returned for the first Notify
    CHECK(calls[1].hints.at("value").get<std::int32_t>() == 40);
}

TEST_CASE("Shows issued before the reply wait for the notification's id and replace it")
{
    NotificationMock mock;
    NotifierFixture f;

    // No loop turn in between: the first Notify has not been answered when the others come.
    f.notifier->show(exporting("org.example.Feeds.export", 10));
    f.notifier->show(exporting("org.example.Feeds.export", 20));
    f.notifier->show(exporting("org.example.Feeds.export", 30));

    REQUIRE(f.eventually([&] { return mock.notifies().size() == 2; }));
    CHECK(f.staysTrue([&] { return mock.notifies().size() == 2; }));
    const auto calls = mock.notifies();
    CHECK(calls[0].replacesId == 0);
    CHECK(calls[1].replacesId == 1);
    CHECK(calls[1].hints.at("value").get<std::int32_t>() == 30);   // only the latest is sent
}

TEST_CASE("Close calls CloseNotification with the notification's id; a later show creates a new one")
{
    NotificationMock mock;
    NotifierFixture f;

    SECTION("after the reply")
    {
        f.notifier->show(exporting());
        REQUIRE(f.eventually([&] { return mock.notifies().size() == 1; }));
        // The mock answered Notify before it emits this; once the cancel is seen, the id is known.
        mock.actionInvoked(1, "cancel");
        REQUIRE(f.eventually([&] { return f.cancelled.size() == 1; }));
        f.notifier->close(kApp, "org.example.Feeds.export");
    }
    SECTION("before the reply")
    {
        f.notifier->show(exporting());
        f.notifier->close(kApp, "org.example.Feeds.export");
    }

    REQUIRE(f.eventually([&] { return mock.closes() == std::vector<std::uint32_t>{1}; }));
    CHECK(mock.notifies().size() == 1);

    f.notifier->show(exporting());
    REQUIRE(f.eventually([&] { return mock.notifies().size() == 2; }));
    CHECK(mock.notifies()[1].replacesId == 0);
    CHECK(mock.closes().size() == 1);
}

TEST_CASE("Two identifiers of an app get two notifications, each replaced on its own")
{
    NotificationMock mock;
    NotifierFixture f;

    f.notifier->show(exporting("org.example.Feeds.export"));
    f.notifier->show(exporting("org.example.Feeds.upload"));
    REQUIRE(f.eventually([&] { return mock.notifies().size() == 2; }));
    f.notifier->show(exporting("org.example.Feeds.upload", 90));
    f.notifier->show(exporting("org.example.Feeds.export", 50));
    REQUIRE(f.eventually([&] { return mock.notifies().size() == 4; }));

    const auto calls = mock.notifies();
    CHECK(calls[0].replacesId == 0);
    CHECK(calls[1].replacesId == 0);
    // The replacements go out as the replies come in, in either order.
    std::map<std::uint32_t, std::int32_t> replaced;
    for (std::size_t i = 2; i < calls.size(); ++i)
        replaced[calls[i].replacesId] = calls[i].hints.at("value").get<std::int32_t>();
    CHECK(replaced == std::map<std::uint32_t, std::int32_t>{{1, 50}, {2, 90}});
}

TEST_CASE("Pressing Cancel on a notification cancels that app's identifier and nothing else")
{
    NotificationMock mock;
    NotifierFixture f;
    f.notifier->show(exporting("org.example.Feeds.export"));
    f.notifier->show(exporting("org.example.Feeds.upload"));
    REQUIRE(f.eventually([&] { return mock.notifies().size() == 2; }));

    mock.actionInvoked(2, "default");   // a click on the body is no cancel
    mock.actionInvoked(7, "cancel");    // another program's notification
    mock.actionInvoked(2, "cancel");

    REQUIRE(f.eventually([&] { return !f.cancelled.empty(); }));
    CHECK(f.staysTrue([&] { return f.cancelled.size() == 1; }));
    CHECK(f.cancelled.front() == std::pair<std::string, std::string>{kApp, "org.example.Feeds.upload"});
}

TEST_CASE("A notification the user dismissed is not shown again by progress updates of the same state")
{
    NotificationMock mock;
    NotifierFixture f;
    f.notifier->show(exporting("org.example.Feeds.export"));
    f.notifier->show(exporting("org.example.Feeds.upload"));
    REQUIRE(f.eventually([&] { return mock.notifies().size() == 2; }));

    mock.notificationClosed(1);        // the user dismissed it (reason 2)
    mock.actionInvoked(1, "cancel");   // no longer ours
    mock.actionInvoked(2, "cancel");   // arrives last: once seen, the two before were handled
    REQUIRE(f.eventually([&] { return !f.cancelled.empty(); }));
    CHECK(f.cancelled == std::vector<std::pair<std::string, std::string>>{{kApp, "org.example.Feeds.upload"}});

    f.notifier->show(exporting("org.example.Feeds.export", 60));   // progress: still running
    f.notifier->show(exporting("org.example.Feeds.export", 90));
    f.notifier->show(exporting("org.example.Feeds.upload", 40));   // the other one still updates
    REQUIRE(f.eventually([&] { return mock.notifies().size() == 3; }));
    CHECK(f.staysTrue([&] { return mock.notifies().size() == 3; }));
    CHECK(mock.notifies()[2].replacesId == 2);

    SECTION("until the task waits again: then it is shown anew")
    {
        auto queued = exporting("org.example.Feeds.export", std::nullopt);
        queued.queued = true;
        f.notifier->show(queued);
        REQUIRE(f.eventually([&] { return mock.notifies().size() == 4; }));
        CHECK(mock.notifies()[3].replacesId == 0);
        CHECK(mock.notifies()[3].body == "3 of 10 files\nWaiting to start");
    }
    SECTION("until the task ends: a later task of the identifier is shown")
    {
        f.notifier->close(kApp, "org.example.Feeds.export");
        f.notifier->show(exporting("org.example.Feeds.export", 10));
        REQUIRE(f.eventually([&] { return mock.notifies().size() == 4; }));
        CHECK(mock.notifies()[3].replacesId == 0);
        CHECK(mock.closes().empty());   // nothing left to close of the dismissed one
    }
}

TEST_CASE("A notification closed other than by the user is forgotten; the next show creates a new one")
{
    NotificationMock mock;
    NotifierFixture f;
    f.notifier->show(exporting("org.example.Feeds.export"));
    f.notifier->show(exporting("org.example.Feeds.upload"));
    REQUIRE(f.eventually([&] { return mock.notifies().size() == 2; }));
    mock.notificationClosed(1, 1);    // expired on the server
    mock.actionInvoked(1, "cancel");  // no longer ours
    mock.actionInvoked(2, "cancel");  // arrives last: once seen, the two before were handled
    REQUIRE(f.eventually([&] { return !f.cancelled.empty(); }));
    CHECK(f.cancelled == std::vector<std::pair<std::string, std::string>>{{kApp, "org.example.Feeds.upload"}});
    f.notifier->show(exporting("org.example.Feeds.export"));   // same content, but the old one is gone
    REQUIRE(f.eventually([&] { return mock.notifies().size() == 3; }));
    CHECK(mock.notifies()[2].replacesId == 0);
}

TEST_CASE("Destroying the notifier closes the notifications it shows")
{
    NotificationMock mock;
    NotifierFixture f;
    f.notifier->show(exporting());
    REQUIRE(f.eventually([&] { return mock.notifies().size() == 1; }));
    mock.actionInvoked(1, "cancel");   // once handled, the reply with the id was handled too
    REQUIRE(f.eventually([&] { return f.cancelled.size() == 1; }));

    f.notifier.reset();

    REQUIRE(f.eventually([&] { return mock.closes() == std::vector<std::uint32_t>{1}; }));
}

TEST_CASE("Without a notification service, show and close fail quietly and log once")
{
    watch::test::requirePrivateBus(Bus::Session);
    REQUIRE_FALSE(watch::test::nameHasOwner(kName, Bus::Session));
    // The notifier's debug lines, recorded for the length of the test.
    struct LogCapture {
        std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(64);
        std::shared_ptr<spdlog::logger> log = service::logger("notify");
        spdlog::level::level_enum level = log->level();
        LogCapture() { log->sinks().push_back(sink); log->set_level(spdlog::level::debug); }
        ~LogCapture() { log->sinks().pop_back(); log->set_level(level); }
    } capture;
    const auto& sink = capture.sink;
    const auto failures = [&] {
        const auto lines = sink->last_formatted();
        return std::count_if(lines.begin(), lines.end(), [](const std::string& line) {
            return line.find("Failed to show notification of org.example.Feeds/") != std::string::npos &&
                   line.find(", ignoring") != std::string::npos;
        });
    };
    NotifierFixture f;

    CHECK_NOTHROW(f.notifier->show(exporting("org.example.Feeds.export")));
    CHECK_NOTHROW(f.notifier->show(exporting("org.example.Feeds.upload")));
    CHECK_NOTHROW(f.notifier->close(kApp, "org.example.Feeds.export"));
    CHECK(f.eventually([&] { return failures() == 1; }));
    CHECK(f.staysTrue([&] { return failures() == 1; }));

    SECTION("and a service that appears later gets the next show")
    {
        NotificationMock mock;
        f.notifier->show(exporting("org.example.Feeds.upload"));
        REQUIRE(f.eventually([&] { return mock.notifies().size() == 1; }));
        CHECK(mock.notifies().front().replacesId == 0);
    }
}

TEST_CASE("Every notification on screen is kept in the ledger under its service's name until it is gone")
{
    NotificationMock mock;
    NotifierFixture f;
    const auto owner = mock.owner();
    using Records = std::vector<store::NotificationRecord>;

    f.notifier->show(exporting("org.example.Feeds.export"));
    f.notifier->show(exporting("org.example.Feeds.upload"));
    REQUIRE(f.eventually([&] { return f.kept.size() == 2; }));
    std::ranges::sort(f.kept, {}, &store::NotificationRecord::id);
    CHECK(f.kept == Records{{owner, 1, kApp, "org.example.Feeds.export"}, {owner, 2, kApp, "org.example.Feeds.upload"}});

    f.notifier->show(exporting("org.example.Feeds.export", 80));   // replaced in place: the same id
    REQUIRE(f.eventually([&] { return mock.notifies().size() == 3; }));
    CHECK(f.staysTrue([&] { return f.kept.size() == 2; }));

    SECTION("closed by bgtaskd")
    {
        f.notifier->close(kApp, "org.example.Feeds.export");
        CHECK(f.kept == Records{{owner, 2, kApp, "org.example.Feeds.upload"}});
    }
    SECTION("dismissed by the user, then shown anew in another state")
    {
        mock.notificationClosed(1, 2);
        REQUIRE(f.eventually([&] { return f.kept.size() == 1; }));
        CHECK(f.kept.front().id == 2);
        auto waiting = exporting("org.example.Feeds.export");
        waiting.queued = true;
        f.notifier->show(waiting);
        REQUIRE(f.eventually([&] { return f.kept.size() == 2; }));
        CHECK(f.kept.back() == store::NotificationRecord{owner, 3, kApp, "org.example.Feeds.export"});
    }
    SECTION("expired on the server")
    {
        mock.notificationClosed(2, 1);
        REQUIRE(f.eventually([&] { return f.kept.size() == 1; }));
        CHECK(f.kept.front().id == 1);
    }
    SECTION("closed at a clean shutdown")
    {
        f.notifier.reset();
        CHECK(f.kept.empty());
    }
}

TEST_CASE("Notifications left by a crash are closed at start when their service still shows them, and forgotten")
{
    NotificationMock mock;
    NotifierFixture f;
    // The notifier of the crashed daemon: it leaves its notifications without closing them.
    f.notifier->show(exporting("org.example.Feeds.export"));
    REQUIRE(f.eventually([&] { return f.kept.size() == 1; }));
    f.leftOver = f.kept;
    // Another service's ids (one that has gone since): never closed, only forgotten.
    f.leftOver.push_back({":1.9999", 7, kApp, "org.example.Feeds.old"});
    f.kept = f.leftOver;

    auto restarted = f.make();

    REQUIRE(f.eventually([&] { return f.kept.empty(); }));
    REQUIRE(f.eventually([&] { return mock.closes() == std::vector<std::uint32_t>{1}; }));
    CHECK(f.staysTrue([&] { return mock.closes().size() == 1; }));
}

TEST_CASE("Notifications left by a crash are forgotten when no notification service runs")
{
    watch::test::requirePrivateBus(Bus::Session);
    REQUIRE_FALSE(watch::test::nameHasOwner(kName, Bus::Session));
    NotifierFixture f;
    f.leftOver = {{":1.5", 1, kApp, "org.example.Feeds.export"}};
    f.kept = f.leftOver;

    auto restarted = f.make();

    CHECK(f.eventually([&] { return f.kept.empty(); }));
}

} // namespace bgtask::launch
