// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Daemon.h"

#include "BusLoopSource.h"
#include "Config.h"
#include "DaemonEffects.h"
#include "EventLoop.h"
#include "ManifestReloader.h"
#include "ManifestWatch.h"
#include "OffLoop.h"
#include "WalCheckpoints.h"

#include "bus/ManagerAdaptor.h"
#include "bus/PolkitAuthorizer.h"
#include "bus/SessionAuthorizer.h"
#include "bus/NameWatcher.h"
#include "bus/SchedulerAdaptor.h"
#include "bus/TaskObjects.h"
#include "launch/Activator.h"
#include "launch/BusAppTarget.h"
#include "launch/HandlerClient.h"
#include "launch/Notifier.h"
#include "launch/ProcessTerminator.h"
#include "launch/Spawner.h"
#include "launch/UnitFollower.h"
#include "launch/UnitTarget.h"
#include "service/FairCalls.h"
#include "service/Log.h"
#include "service/ManifestRegistry.h"
#include "service/TaskService.h"
#include "store/Store.h"
#include "watch/SourceRegistry.h"
#include "watch/StateAggregator.h"

#include <bgtask-api/Names.h>

#include <sdbus-c++/IConnection.h>
#include <systemd/sd-daemon.h>

#include <malloc.h>

#include <cctype>
#include <csignal>
#include <map>

namespace bgtask::app {
namespace {
auto log() { static auto l = service::logger("daemon"); return l; }
// How long polkit may take to answer, an authentication dialog included; as long as a caller
// waits by default (sd-bus, GDBus), since an answer after that reaches nobody.
constexpr auto kPolkitTimeout = std::chrono::seconds(25);
// A package writes its manifest, maybe a few files and a directory: one reload after the
// first change of a burst settles, well within the second an install should take to show.
constexpr auto kManifestDebounce = std::chrono::milliseconds(200);
} // namespace

struct Daemon::Parts {
    Config config;
    std::unique_ptr<store::Store> store;
    std::unique_ptr<WalCheckpoints> walCheckpoints;   // on a worker thread: never inside a commit
    std::unique_ptr<service::ManifestRegistry> manifests;
    std::unique_ptr<sdbus::IConnection> connection;
    EventLoop loop;
    std::unique_ptr<BusLoopSource> busSource;
    std::unique_ptr<service::TaskService> service;
    std::unique_ptr<Deferred> plan;
    std::unique_ptr<Deferred> flush;
    std::unique_ptr<service::FairCalls> calls;   // apps' writing calls, per connection in turn
    std::unique_ptr<Deferred> dispatchCalls;
    std::function<void(bool readBus)> serveCalls;   // a turn of the calls, then its commit and plan
    std::unique_ptr<WallTimer> timer;
    std::unique_ptr<QuietTimer> trim;   // gives memory back once a burst of work is over
    std::unique_ptr<ClockChangeWatch> clockWatch;
    std::unique_ptr<ManifestWatch> manifestWatch;
    std::unique_ptr<ManifestReloader> reloader;   // reads manifests off the loop
    std::unique_ptr<launch::Spawner> spawner;   // Exec commands, bgtaskd's children
    std::unique_ptr<launch::UnitFollower> transientUnits;   // Exec commands, in systemd's units
    std::unique_ptr<launch::Activator> activator;
    std::unique_ptr<launch::HandlerClient> handlerClient;
    std::unique_ptr<launch::ProcessTerminator> terminator;
    std::unique_ptr<launch::UnitTarget> units;
    std::unique_ptr<launch::BusAppTarget> busApps;
    std::unique_ptr<launch::Notifier> notifier;   // session bus only: the user's desktop
    std::unique_ptr<DaemonEffects> effects;
    std::unique_ptr<bus::SchedulerAdaptor> scheduler;
    std::unique_ptr<bus::Authorizer> authorizer;   // who may use Manager1
    std::unique_ptr<bus::ManagerAdaptor> manager;
    std::unique_ptr<OffLoop> simulations;   // Manager1.Simulate's worker: one at a time
    std::unique_ptr<bus::TaskObjects> tasks;
    std::unique_ptr<bus::NameWatcher> names;
    std::unique_ptr<sdbus::IConnection> systemBus;   // for NetworkManager, logind, ppd
    std::unique_ptr<BusLoopSource> systemBusSource;
    std::unique_ptr<Deferred> stateFlush;
    std::unique_ptr<watch::StateAggregator> state;
    std::unique_ptr<watch::SourceRegistry> sources;
};

namespace {

// "onExternalPower" → "OnExternalPower": the D-Bus spelling of a SystemState field.
std::map<std::string, std::string> dbusSourceNames(const std::map<std::string, std::string>& sources)
{
    std::map<std::string, std::string> out;
    for (const auto& [name, source] : sources) {
        std::string field = name;
        if (!field.empty())
            field[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(field[0])));
        out.emplace(std::move(field), source);
    }
    return out;
}

} // namespace

Daemon::Daemon(Options options) : options_(std::move(options)), parts_(std::make_unique<Parts>()) {}

Daemon::~Daemon()
{
    // Adaptors and proxies go before the connection they live on.
    if (parts_) {
        parts_->manifestWatch.reset();
        parts_->reloader.reset();   // joins its reading thread first
        parts_->simulations.reset();   // and a simulation's, with the reply it still holds
        parts_->sources.reset();
        parts_->systemBusSource.reset();
        parts_->names.reset();
        parts_->tasks.reset();
        parts_->manager.reset();
        parts_->authorizer.reset();
        parts_->scheduler.reset();
        parts_->service.reset();
        parts_->busApps.reset();
        parts_->units.reset();
        parts_->notifier.reset();
        parts_->terminator.reset();
        parts_->handlerClient.reset();
        parts_->activator.reset();
        parts_->spawner.reset();
        parts_->busSource.reset();
    }
}

void Daemon::startStateSources()
{
    auto& p = *parts_;
    if (options_.systemBus) {
        p.systemBus.reset();   // the D-Bus sources share the daemon's own connection below
    } else {
        try {
            p.systemBus = sdbus::createSystemBusConnection();
            p.systemBusSource = std::make_unique<BusLoopSource>(p.loop, *p.systemBus, [] {
                log()->warn("Lost the connection to the system bus; network, session and power-profile "
                            "state are no longer followed");
            });
        } catch (const sdbus::Error& e) {
            log()->warn("Failed to connect to the system bus: {}; network, session and power-profile "
                        "state stay unknown", e.getMessage());
        }
    }
    sdbus::IConnection* systemBus = options_.systemBus ? p.connection.get() : p.systemBus.get();
    std::vector<std::string> disabled(options_.disabledSources.begin(), options_.disabledSources.end());
    p.stateFlush = std::make_unique<Deferred>(p.loop, [&p] { p.state->flush(); });
    p.state = std::make_unique<watch::StateAggregator>(
        [&p] { p.stateFlush->schedule(); },
        [&p, disabled](const core::SystemState& state) {
            p.service->setSystemState(state);
            p.manager->setSystemState(state, dbusSourceNames(p.state->sources()), disabled);
        },
        [&p] { p.service->resumed(); });
    p.manager->setSystemState(p.state->state(), {}, disabled);
    p.sources = std::make_unique<watch::SourceRegistry>(p.loop.raw(), systemBus, options_.disabledSources);
    p.sources->start(*p.state);
}

void Daemon::blockSignals()
{
    sigset_t mask;
    sigemptyset(&mask);
    for (int s : kSignals)
        sigaddset(&mask, s);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
}

int Daemon::run()
{
    auto& p = *parts_;
    const auto startedAt = std::chrono::time_point_cast<core::Duration>(std::chrono::system_clock::now());

    // 1. Configuration, store and manifests.
    auto loaded = loadConfig({adminConfigFiles(options_.configDir), options_.configFile});
    p.config = std::move(loaded.config);
    for (const auto& ignored : loaded.ignored)
        log()->warn("{}", ignored);
    std::filesystem::create_directories(options_.stateDir);
    p.store = std::make_unique<store::Store>(options_.stateDir / "bgtaskd.db");
    p.walCheckpoints = std::make_unique<WalCheckpoints>(*p.store, options_.stateDir / "bgtaskd.db");
    p.manifests = std::make_unique<service::ManifestRegistry>(
        options_.dataDirs, core::ManifestRules{.execNeedsUser = options_.systemBus});
    for (const auto& issue : p.manifests->reload())
        log()->warn("{}:{}: {}{}", issue.file, issue.line, issue.message, issue.fatal ? " (manifest skipped)" : "");
    log()->info("{} app manifest(s) loaded", p.manifests->all().size());

    // 2. Bus connection on our loop, then the service and its effects.
    p.connection = options_.systemBus ? sdbus::createSystemBusConnection() : sdbus::createSessionBusConnection();
    p.busSource = std::make_unique<BusLoopSource>(
        p.loop, *p.connection,
        [&p] {
            log()->error("Lost the connection to the {} bus; exiting", "daemon's");
            p.loop.exit(1);
        },
        [&p] {
            // The calls just read are served in this loop turn, not on one of their own.
            if (p.dispatchCalls && p.dispatchCalls->scheduled()) {
                p.dispatchCalls->cancel();
                p.serveCalls(false);
            }
        });
    // A plan over thousands of requests (at start, after a state change) builds reasons it
    // throws away again; glibc keeps the freed pages. A second after the last plan, when the
    // burst is over, they go back to the system, so an idle daemon stays small; so does what
    // SQLite's page cache holds. The timer is armed once per burst: re-armed on every plan, it
    // cost a timerfd_settime per submit.
    p.trim = std::make_unique<QuietTimer>(p.loop, std::chrono::seconds(1), [&p] {
        p.store->releaseMemory();
        malloc_trim(0);
    });
    p.plan = std::make_unique<Deferred>(p.loop, [&p] {
        p.service->planNow();
        p.trim->poke();
    });
    p.flush = std::make_unique<Deferred>(p.loop, [&p] { p.service->flushCommits(); });
    // Time passing is what the timer and a clock change mean: the service looks at every
    // request's blockers again.
    p.timer = std::make_unique<WallTimer>(p.loop, [&p] { p.service->requestPlan(); });
    p.clockWatch = std::make_unique<ClockChangeWatch>(p.loop, [&p] {
        log()->info("The wall clock was set; re-planning");
        p.service->requestPlan();
    });
    const auto defer = [&p](std::function<void()> fn) { p.loop.post(std::move(fn)); };
    p.spawner = std::make_unique<launch::Spawner>(p.loop.raw(), p.config.killDelay);
    // Exec commands run in transient units of the service manager on the daemon's own bus (the
    // system manager for --system, the user manager for a per-user instance) where it answers.
    p.transientUnits = std::make_unique<launch::UnitFollower>(*p.connection, p.config.limits.launchWindow, defer);
    p.activator = std::make_unique<launch::Activator>(*p.connection, p.config.limits.launchWindow, *p.spawner,
                                                      p.transientUnits.get(), p.config.killDelay);
    p.handlerClient = std::make_unique<launch::HandlerClient>(*p.connection, p.config.limits.launchWindow, defer);
    p.terminator = std::make_unique<launch::ProcessTerminator>(*p.connection, p.loop.raw(), p.config.killDelay);
    p.effects = std::make_unique<DaemonEffects>(*p.plan, *p.timer);
    const service::ServiceConfig serviceConfig{p.config.limits, p.config.fairness, p.config.budgetResetTime,
                                               p.config.adminGlobal, p.config.adminApps, {}};
    p.service = std::make_unique<service::TaskService>(*p.store, *p.manifests, serviceConfig, *p.effects,
                                                       [&p] { p.flush->schedule(); });
    // Launch targets, asked in this order; apps on the bus are the fallback. Units are started
    // by the service manager of the daemon's own bus: the system manager for --system, the
    // user manager (on the session bus) for a per-user instance.
    p.units = std::make_unique<launch::UnitTarget>(*p.connection, p.service->launchContext(),
                                                   p.config.limits.launchWindow, defer);
    p.service->addLaunchTarget(*p.units);
    p.busApps = std::make_unique<launch::BusAppTarget>(p.service->launchContext(), *p.activator,
                                                       *p.handlerClient, *p.terminator, *p.spawner,
                                                       p.transientUnits.get());
    p.service->addLaunchTarget(*p.busApps);
    p.service->start();

    // 3. Adaptors, name ownership, then the well-known name.
    // One turn of the writing calls per loop turn, committed as one transaction before the
    // next. The bus is read first: sd-event would run this deferred event again and again
    // before the bus's io event while a flood is queued, and a newcomer's call would wait for
    // the whole flood instead of one turn. The turn's budget counts the reading too
    // (service/FairCalls.h, kTurnWork).
    // The commit and the plan the turn asked for run in the same loop turn, after the answers
    // (the commit's own Deferred finds nothing left): a lone Submit costs one loop turn, not
    // three, each with its epoll_wait, bus read and prepare callbacks.
    p.serveCalls = [&p](bool readBus) {
        const auto started = std::chrono::steady_clock::now();
        if (readBus)
            p.busSource->process();
        p.calls->dispatch(started);
        p.flush->runIfScheduled();
        p.plan->runIfScheduled();
    };
    p.dispatchCalls = std::make_unique<Deferred>(p.loop, [&p] { p.serveCalls(true); });
    p.calls = std::make_unique<service::FairCalls>([&p] { p.dispatchCalls->schedule(); },
                                                   [&p] { p.service->flushCommits(); },
                                                   service::FairCallLimits{.maxInFlight = p.config.maxCallsInFlight});
    p.scheduler = std::make_unique<bus::SchedulerAdaptor>(*p.connection, *p.service, *p.calls);
    if (options_.systemBus)
        p.authorizer = std::make_unique<bus::PolkitAuthorizer>(
            *p.connection,
            [&p](const std::string& caller, const std::string& app) { return p.service->actsFor(caller, app); },
            kPolkitTimeout);
    else
        p.authorizer = std::make_unique<bus::SessionAuthorizer>();
    p.manager = std::make_unique<bus::ManagerAdaptor>(*p.connection, *p.service, *p.authorizer, *p.calls,
                                                      BGTASKD_VERSION, startedAt);
    // Simulations run on a worker thread, one at a time: a long one (thousands of requests over
    // a week) would otherwise hold every other caller for as long as it runs.
    p.simulations = std::make_unique<OffLoop>(p.loop, 1);
    p.manager->runSimulationsWith([&p](bus::ManagerAdaptor::Work work, std::function<void()> done) {
        const bool started = p.simulations->run(std::move(work), std::move(done));
        if (started)
            log()->debug("Simulating off the loop");
        return started;
    });
    p.tasks = std::make_unique<bus::TaskObjects>(*p.connection, *p.service, defer);
    p.effects->bind(*p.tasks, *p.manager);
    if (!options_.systemBus) {
        // Continued processing is the user's work: its notifications go to the user's desktop,
        // which the system instance has none of.
        // The notifications on screen are kept in the store, so that those a crash left
        // behind are closed now (issue 11, defect 8).
        launch::Notifier::Ledger ledger{
            [&p](const store::NotificationRecord& record) {
                store::Store::Transaction txn(*p.store);
                p.store->putNotification(record);
                txn.commit();
            },
            [&p](const std::string& owner, std::uint32_t id) {
                store::Store::Transaction txn(*p.store);
                p.store->deleteNotification(owner, id);
                txn.commit();
            }};
        std::vector<store::NotificationRecord> leftOver;
        try {
            leftOver = p.store->loadNotifications();
        } catch (const core::Error& e) {
            log()->warn("Failed to read the notifications left on screen: {}", e.what());
        }
        p.notifier = std::make_unique<launch::Notifier>(
            *p.connection,
            [&p](const std::string& app, const std::string& identifier) {
                p.service->notificationCancelled(app, identifier);
            },
            std::move(ledger), std::move(leftOver));
        p.effects->bindNotifications(
            {[&p](const service::TaskNotification& n) { p.notifier->show(n); },
             [&p](const std::string& app, const std::string& identifier) { p.notifier->close(app, identifier); }});
    }
    p.names = std::make_unique<bus::NameWatcher>(*p.connection, *p.service,
                                                [&p](std::function<void()> fn) { p.loop.post(std::move(fn)); });
    p.scheduler->onCaller([&p](const std::string& caller) { p.names->watchConnection(caller); });
    p.manager->onSubscriber([&p](const std::string& subscriber) { p.names->watchConnection(subscriber); });
    p.names->onConnectionGone([&p](const std::string& connection) {
        p.manager->connectionGone(connection);
        p.calls->forget(connection);
    });
    p.names->seed();
    // SIGHUP and a change in an apps directory reload the manifests the same way: read on a
    // worker thread, applied here.
    p.reloader = std::make_unique<ManifestReloader>(p.loop, *p.manifests, [&p](const std::string& cause) {
        for (const auto& issue : p.manifests->issues())
            log()->warn("{}:{}: {}{}", issue.file, issue.line, issue.message, issue.fatal ? " (manifest skipped)" : "");
        log()->info("Reloaded manifests ({}): {} app(s)", cause, p.manifests->all().size());
        p.names->seed();
        p.service->manifestsReloaded();
        p.plan->schedule();
    });
    const auto reloadManifests = [&p](const char* cause) { p.reloader->request(cause); };
    p.connection->requestName(api::kBusName);
    log()->info("bgtaskd {} serving {} on the {} bus", BGTASKD_VERSION, api::kBusName,
                options_.systemBus ? "system" : "session");

    // 4. System state: sources feed one aggregator; a real change re-plans and is published.
    startStateSources();

    // 5. Scheduling, signals, readiness.
    std::vector<std::filesystem::path> appsDirs;
    for (const auto& dir : p.manifests->dataDirs())
        appsDirs.push_back(dir / "bgtaskd" / "apps");
    try {
        p.manifestWatch = std::make_unique<ManifestWatch>(p.loop, std::move(appsDirs), kManifestDebounce,
                                                          [reloadManifests] { reloadManifests("a change on disk"); });
    } catch (const std::exception& e) {
        log()->warn("{}; manifests are reloaded on SIGHUP only", e.what());
    }
    p.loop.onSignals({kSignals.begin(), kSignals.end()}, [&p, reloadManifests](int sig) {
        if (sig == SIGHUP) {
            reloadManifests("SIGHUP");
            return;
        }
        log()->info("Received {}, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        p.loop.exit(0);
    });
    p.plan->schedule();
    p.busSource->process();
    sd_notify(0, "READY=1");
    const int rc = p.loop.run();
    // Work in flight is cancelled and its thread joined: a reading, a simulation (whose
    // caller gets no answer: its connection goes with the name).
    p.reloader.reset();
    p.simulations.reset();

    sd_notify(0, "STOPPING=1");
    p.service->shutdown();
    p.busSource->process();
    p.connection->releaseName(api::kBusName);
    return rc < 0 ? 1 : rc;
}

} // namespace bgtask::app
