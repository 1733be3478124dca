// SPDX-License-Identifier: LGPL-2.1-or-later
// The ScheduleKeeper over a real store and real manifest files: one request per manifest
// schedule, what follows a run, a cancel, an app's submit and a reload, and the state that a
// new keeper (a restarted daemon) reads back.
#include "service/ScheduleKeeper.h"

#include "../store/TempDir.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <memory>

using namespace bgtask;
using namespace std::chrono_literals;
using bgtask::store::test::TempDir;

namespace {

const core::TimePoint kT0 = core::fromUsec(1'767'225'600'000'000);   // 2026-01-01T00:00:00Z
constexpr const char* kApp = "org.example.Backup";
constexpr const char* kNightly = "org.example.Backup.nightly";

// A store, manifests under a temp dir, a commit queue flushed by hand, and a keeper whose
// seeds count up from 1.
class Fixture {
public:
    Fixture()
    {
        std::filesystem::create_directories(dir_ / "data" / "bgtaskd" / "apps");
        writeManifest("Kind=processing\nInterval=12h\nRequiresExternalPower=true\n");
        restart();
    }

    void writeManifest(const std::string& scheduleBody)
    {
        std::ofstream(dir_ / "data" / "bgtaskd" / "apps" / (std::string(kApp) + ".conf"))
            << "[Application]\nId=" << kApp << "\nPermittedIdentifiers=org.example.Backup.own\nKinds=processing\n"
            << (scheduleBody.empty() ? "" : "[Schedule " + std::string(kNightly) + "]\n" + scheduleBody);
        manifests_.reload();
        REQUIRE(manifests_.issues().empty());
    }

    // A new keeper over the same store: what a restarted daemon starts from.
    void restart()
    {
        commits_.flush();
        keeper_ = std::make_unique<service::ScheduleKeeper>(*store_, commits_, manifests_, [n = std::uint64_t{0}]() mutable { return ++n; });
        keeper_->load();
    }

    service::ScheduleChanges reconcile(core::TimePoint now, bool running = false)
    {
        auto changes = keeper_->reconcile(pending_, [running](const auto&, const auto&) { return running; }, now);
        for (const auto& key : changes.drop)
            std::erase_if(pending_, [&](const auto& r) { return r.app == key.first && r.identifier == key.second; });
        for (const auto& r : changes.submit)
            put(r);
        commits_.flush();
        return changes;
    }

    void put(const core::TaskRequest& request)
    {
        std::erase_if(pending_, [&](const auto& r) { return r.app == request.app && r.identifier == request.identifier; });
        pending_.push_back(request);
    }

    const core::TaskRequest* pending(const std::string& identifier) const
    {
        for (const auto& r : pending_)
            if (r.identifier == identifier)
                return &r;
        return nullptr;
    }

    // The pending request of the identifier runs and ends with this outcome at `at`.
    std::optional<core::TaskRequest> run(const std::string& identifier, core::Outcome outcome, core::TimePoint at)
    {
        REQUIRE(pending(identifier));
        const auto consumed = *pending(identifier);
        std::erase_if(pending_, [&](const auto& r) { return r.identifier == identifier; });
        auto next = keeper_->runEnded(consumed, outcome, at, nullptr);
        if (next)
            put(*next);
        commits_.flush();
        return next;
    }

    core::ScheduleState stateOf(const std::string& identifier) const
    {
        return keeper_->records().at({kApp, identifier}).state;
    }

    const core::Manifest& manifest() const { return *manifests_.byId(kApp); }

    TempDir dir_;
    std::unique_ptr<store::Store> store_ = std::make_unique<store::Store>(dir_ / "bgtaskd.db");
    service::ManifestRegistry manifests_{{dir_ / "data"}};
    service::CommitQueue commits_{*store_, [] {}, [] {}};
    std::unique_ptr<service::ScheduleKeeper> keeper_;
    std::vector<core::TaskRequest> pending_;
};

} // namespace

TEST_CASE("A manifest schedule gets exactly one request, due at once, and keeps it across restarts")
{
    Fixture f;
    const auto changes = f.reconcile(kT0);
    REQUIRE(changes.submit.size() == 1);
    const auto* request = f.pending(kNightly);
    REQUIRE(request);
    CHECK(request->kind == core::TaskKind::Processing);
    CHECK(request->options.requiresExternalPower == std::optional<bool>(true));
    CHECK(request->options.repeatInterval == std::optional<core::Duration>(12h));
    CHECK(request->options.earliestBeginDate == std::optional<core::TimePoint>(kT0));

    CHECK(f.reconcile(kT0 + 1h).submit.empty());
    f.restart();
    CHECK(f.reconcile(kT0 + 2h).submit.empty());
    CHECK(f.pending_.size() == 1);
    CHECK(f.keeper_->records().at({kApp, kNightly}).source == core::ScheduleSource::Manifest);
}

TEST_CASE("A manifest schedule whose run is active gets no second request")
{
    Fixture f;
    CHECK(f.reconcile(kT0, true).submit.empty());
    CHECK(f.pending_.empty());
}

TEST_CASE("After a success the next request is due an interval after the run's end")
{
    Fixture f;
    f.reconcile(kT0);
    const auto next = f.run(kNightly, core::Outcome::Completed, kT0 + 10min);
    REQUIRE(next);
    CHECK(next->options.earliestBeginDate == std::optional<core::TimePoint>(kT0 + 10min + 12h));
    CHECK(f.stateOf(kNightly) == core::ScheduleState{kT0 + 10min, kT0 + 10min, kT0 + 10min, 0});
}

TEST_CASE("Failures back off, the counter survives a restart, and a success resets it")
{
    Fixture f;
    f.reconcile(kT0);
    auto at = kT0;
    for (std::uint32_t n = 1; n <= 4; ++n) {
        at += 1min;
        const auto outcome = n % 2 ? core::Outcome::Failed : core::Outcome::Expired;
        const auto next = f.run(kNightly, outcome, at);
        REQUIRE(next);
        const core::Duration d = core::kDefaultBackoffDelay * (1 << (n - 1));
        CAPTURE(n);
        CHECK(*next->options.earliestBeginDate >= at + d / 2);
        CHECK(*next->options.earliestBeginDate <= at + d);
        f.restart();
        CHECK(f.stateOf(kNightly).failures == n);
    }
    const auto next = f.run(kNightly, core::Outcome::Completed, at + 1h);
    REQUIRE(next);
    CHECK(f.stateOf(kNightly).failures == 0);
    CHECK(next->options.earliestBeginDate == std::optional<core::TimePoint>(at + 1h + 12h));
}

TEST_CASE("Cancelling a manifest schedule skips its occurrence; the request comes back an interval later")
{
    Fixture f;
    f.reconcile(kT0);
    const auto next = f.keeper_->cancelled(kApp, kNightly, true, false, kT0 + 5min);
    REQUIRE(next);
    CHECK(next->options.earliestBeginDate == std::optional<core::TimePoint>(kT0 + 5min + 12h));
    f.put(*next);
    f.commits_.flush();
    f.restart();
    CHECK(f.reconcile(kT0 + 6min).submit.empty());   // the skip is not undone by a restart

    // A running occurrence cancelled: its end is a skip, not a failure.
    CHECK_FALSE(f.keeper_->cancelled(kApp, kNightly, false, true, kT0 + 13h));
    const auto after = f.keeper_->runEnded(*f.pending(kNightly), core::Outcome::Expired, kT0 + 13h, nullptr);
    REQUIRE(after);
    CHECK(f.stateOf(kNightly).failures == 0);
    CHECK(after->options.earliestBeginDate == std::optional<core::TimePoint>(kT0 + 25h));
}

TEST_CASE("An app cannot submit an identifier its manifest schedules")
{
    Fixture f;
    try {
        f.keeper_->checkSubmit(f.manifest(), kNightly);
        FAIL("submit was allowed");
    } catch (const core::Error& e) {
        CHECK(e.code() == core::ErrorCode::NotPermitted);
        CHECK(e.subReason() == "scheduled-in-manifest");
    }
    CHECK_NOTHROW(f.keeper_->checkSubmit(f.manifest(), "org.example.Backup.own"));
}

TEST_CASE("A schedule removed from the manifest drops its request and state; a changed one is replaced")
{
    Fixture f;
    f.reconcile(kT0);
    f.run(kNightly, core::Outcome::Completed, kT0 + 1min);

    f.writeManifest("Kind=processing\nInterval=1d\nRequiresExternalPower=true\n");
    const auto changed = f.reconcile(kT0 + 2min);
    REQUIRE(changed.submit.size() == 1);
    CHECK(f.pending(kNightly)->options.repeatInterval == std::optional<core::Duration>(24h));
    CHECK(f.pending(kNightly)->options.earliestBeginDate == std::optional<core::TimePoint>(kT0 + 1min + 24h));

    f.writeManifest("");
    const auto removed = f.reconcile(kT0 + 3min);
    CHECK(removed.drop == std::vector<std::pair<std::string, std::string>>{{kApp, kNightly}});
    CHECK(f.pending_.empty());
    CHECK(f.keeper_->records().empty());
    f.restart();
    CHECK(f.keeper_->records().empty());
}

TEST_CASE("An app's periodic request keeps its clock when the app declares it again, and ends with Cancel")
{
    Fixture f;
    f.writeManifest("");
    core::TaskRequest request;
    request.app = kApp;
    request.identifier = "org.example.Backup.own";
    request.kind = core::TaskKind::Processing;
    request.options.repeatInterval = 1h;
    f.put(f.keeper_->submitted(request, kT0));
    CHECK(f.pending("org.example.Backup.own")->options.earliestBeginDate == std::optional<core::TimePoint>(kT0));
    f.run("org.example.Backup.own", core::Outcome::Completed, kT0 + 1min);

    // Declared again at the app's next start: due an hour after the last success, not now.
    const auto again = f.keeper_->submitted(request, kT0 + 2min);
    CHECK(again.options.earliestBeginDate == std::optional<core::TimePoint>(kT0 + 61min));
    // The app's own earliest begin date stays a floor.
    auto later = request;
    later.options.earliestBeginDate = kT0 + 3h;
    CHECK(f.keeper_->submitted(later, kT0 + 2min).options.earliestBeginDate == std::optional<core::TimePoint>(kT0 + 3h));

    CHECK_FALSE(f.keeper_->cancelled(kApp, "org.example.Backup.own", true, false, kT0 + 3min));
    CHECK(f.keeper_->records().empty());
    f.commits_.flush();
    f.restart();
    CHECK(f.keeper_->records().empty());
}

TEST_CASE("A retried request is submitted again after a failure and is done after a success")
{
    Fixture f;
    f.writeManifest("");
    core::TaskRequest request;
    request.app = kApp;
    request.identifier = "org.example.Backup.own";
    request.kind = core::TaskKind::Processing;
    request.options.backoffDelay = 1min;
    f.put(f.keeper_->submitted(request, kT0));
    const auto retry = f.run("org.example.Backup.own", core::Outcome::Failed, kT0 + 1min);
    REQUIRE(retry);
    CHECK(*retry->options.earliestBeginDate >= kT0 + 1min + 30s);
    CHECK(*retry->options.earliestBeginDate <= kT0 + 2min);
    CHECK_FALSE(f.run("org.example.Backup.own", core::Outcome::Completed, kT0 + 5min));
    CHECK(f.keeper_->records().empty());
}

TEST_CASE("A plain submit of a periodic identifier ends its schedule; an interrupted run changes nothing")
{
    Fixture f;
    f.writeManifest("");
    core::TaskRequest request;
    request.app = kApp;
    request.identifier = "org.example.Backup.own";
    request.kind = core::TaskKind::Processing;
    request.options.repeatInterval = 1h;
    f.put(f.keeper_->submitted(request, kT0));
    CHECK_FALSE(f.keeper_->runEnded(request, core::Outcome::Interrupted, kT0 + 1min, nullptr));
    CHECK(f.keeper_->records().size() == 1);
    request.options.repeatInterval.reset();
    f.put(f.keeper_->submitted(request, kT0 + 2min));
    CHECK(f.keeper_->records().empty());
    CHECK_FALSE(f.keeper_->runEnded(request, core::Outcome::Failed, kT0 + 3min, nullptr));
}
