// SPDX-License-Identifier: LGPL-2.1-or-later
// The catch-up governor inside TaskService, on a real store and a clock that moves on at every
// reading (as a loaded machine's does between planning and launching): the window counts from
// the moment the runs record as started, so the launches in history are spread as documented.
// Found by test_system_catchup under load: two batches 2.984 s apart with a 3 s window.
#include "service/Effects.h"
#include "service/ManifestRegistry.h"
#include "service/TaskService.h"
#include "store/Store.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

using namespace bgtask;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// Every reading of the clock is a step later than the one before.
class SteppingEffects : public service::Effects {
public:
    core::TimePoint clock{std::chrono::sys_days{std::chrono::year{2026} / 12 / 7}};
    core::Duration step = 7ms;
    std::optional<core::TimePoint> wakeup;
    bool planRequested = false;

    core::TimePoint now() override { return clock += step; }
    void requestPlan() override { planRequested = true; }
    void armWakeup(std::optional<core::TimePoint> at) override { wakeup = at; }
    void publishTask(const core::RunningTask&) override {}
    void withdrawTask(std::int64_t) override {}
    void emitTaskChanged(const service::TaskEvent&) override {}
    void updateTask(std::int64_t, const service::TaskProgress&) override {}
    void showNotification(const service::TaskNotification&) override {}
    void closeNotification(const std::string&, const std::string&) override {}
    void emitPolicyChanged(const std::string&) override {}
};

class TempDir {
public:
    TempDir()
    {
        std::string pattern = (fs::temp_directory_path() / "bgtaskd-catchup-XXXXXX").string();
        REQUIRE(mkdtemp(pattern.data()));
        path_ = pattern;
    }
    ~TempDir() { fs::remove_all(path_); }
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

std::string appOf(int n) { return "org.example.CatchUp" + std::to_string(n); }

void writeManifest(const fs::path& appsDir, const std::string& app)
{
    std::ofstream(appsDir / (app + ".conf")) << "[Application]\nId=" << app << "\nPermittedIdentifiers="
                                             << app << ".refresh;\nKinds=app-refresh;\n";
}

} // namespace

TEST_CASE("A catch-up window counts from the runs' recorded start, not from when planning began")
{
    TempDir dir;
    const fs::path appsDir = dir.path() / "data" / "bgtaskd" / "apps";
    fs::create_directories(appsDir);
    constexpr int kApps = 3;
    for (int n = 0; n < kApps; ++n)
        writeManifest(appsDir, appOf(n));

    SteppingEffects effects;
    store::Store store(dir.path() / "bgtaskd.db");
    const core::TimePoint submitted = effects.clock - 1h;
    for (int n = 0; n < kApps; ++n) {
        core::TaskRequest request;
        request.app = appOf(n);
        request.identifier = appOf(n) + ".refresh";
        request.submittedAt = submitted + std::chrono::seconds(n);   // one order: oldest first
        store.upsertRequest(request);
    }
    service::ManifestRegistry manifests({dir.path() / "data"});
    REQUIRE(manifests.reload().empty());

    service::ServiceConfig config;
    config.fairness.refreshSpacing = {};
    config.fairness.dailyBudget = {};
    config.fairness.networkCoalesceWindow = {};
    config.fairness.usage.learn = false;
    config.fairness.catchUp = {2, 3s};
    service::TaskService service(store, manifests, config, effects, [] {});
    service.start();   // a catch-up begins: the daemon's start with three due at once
    service.setSystemState(core::SystemState{});

    service.planNow();   // launches the two oldest
    service.planNow();   // the quota is spent: waits for the window to move on
    auto runs = service.history({});
    REQUIRE(runs.size() == 2);
    const auto firstStart = std::min(runs[0].startedAt, runs[1].startedAt);
    REQUIRE(effects.wakeup);
    CHECK(*effects.wakeup == firstStart + 3s);

    effects.clock = *effects.wakeup;
    service.planNow();
    runs = service.history({});
    REQUIRE(runs.size() == 3);
    const auto third = std::ranges::max(runs, {}, &core::RunRecord::startedAt);
    CHECK(third.app == appOf(2));
    CHECK(third.startedAt - firstStart >= 3s);
}
