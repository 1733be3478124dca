// SPDX-License-Identifier: LGPL-2.1-or-later
// bgtaskd's durable state in one SQLite file (WAL, synchronous=FULL): pending requests, running
// tasks, the history of every run, the user's policy and the schedules' state. Owns the connection; every mutation happens inside a
// Transaction whose commit() is durable when it returns. Opening applies the numbered migrations
// and refuses (never deletes) a database it cannot read or that is newer than this build.
#pragma once

#include "../core/Fairness.h"
#include "../core/Policy.h"
#include "../core/Run.h"
#include "../core/Schedule.h"
#include "../core/TaskRequest.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bgtask::store {

class Database;

// A desktop notification bgtaskd showed (schema v6): the id the notification service (owner, its
// unique bus name) handed out, and the continued-processing identifier it shows.
struct NotificationRecord {
    std::string owner;
    std::uint32_t id = 0;
    std::string app;
    std::string identifier;
    bool operator==(const NotificationRecord&) const = default;
};

struct HistoryFilter {
    std::optional<std::string> app;
    std::optional<std::string> identifier;
    std::optional<core::TimePoint> since;    // runs started at or after
    std::size_t limit = 100;                  // newest N
};

// A saved checkpoint as explain shows it (the bytes stay in the store).
struct CheckpointInfo {
    std::int64_t bytes = 0;
    core::TimePoint savedAt{};
};

class Store {
public:
    // Throws core::Error(Internal, …) with sub-reason "store-open-failed", "schema-too-new" or
    // "migration-failed"; the file is left as it was.
    explicit Store(const std::filesystem::path& databaseFile);
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    static int latestSchemaVersion();
    int schemaVersion() const;

    // RAII transaction: rolls back unless commit() was called. Not nestable.
    class Transaction {
    public:
        explicit Transaction(Store& store);
        ~Transaction();
        Transaction(const Transaction&) = delete;
        Transaction& operator=(const Transaction&) = delete;
        void commit();

    private:
        Store& store_;
        bool done_ = false;
    };

    // Pending requests, oldest first (by id).
    std::vector<core::TaskRequest> loadRequests();
    // Inserts the request, replacing a pending one with the same (app, identifier). Returns the
    // new row id; a replacement gets a new id, so ids keep submission order.
    std::int64_t upsertRequest(const core::TaskRequest& request);
    // false when there was no such request.
    bool deleteRequest(std::string_view app, std::string_view identifier);
    std::size_t deleteAllRequests(std::string_view app);

    // Consumes run.request (deletes its row by id) and records a running run. Returns the run id:
    // run.runId when set (an id from reserveRunIds), else the next one after every id used or
    // reserved.
    std::int64_t startRun(const core::RunningTask& run);
    // Run ids handed out before their run is recorded (the launch tells the app first, then
    // commits: see RunController::launch). runIdHighWater() is the highest id used or reserved;
    // reserveRunIds(upTo) reserves every id up to upTo, so that no run recorded without an id
    // of its own (recordDropped) takes one of them, and none is handed out twice even when a
    // launch's record was lost in a crash.
    std::int64_t runIdHighWater();
    void reserveRunIds(std::int64_t upTo);
    void finishRun(std::int64_t runId, core::Outcome outcome, std::string_view reason,
                   core::TimePoint endedAt);
    // Records a pending request removed without running (outcome dropped, e.g. its app's
    // manifest was removed): deletes the request by id and adds a history record that starts
    // and ends at `at`. Such a record is no launch: usage and spacing ignore it. Returns its run id.
    std::int64_t recordDropped(const core::TaskRequest& request, std::string_view reason, core::TimePoint at);
    // Removes a run that never reached its app (core/Reachability.h): it ran nothing, so it
    // leaves no history and costs no launch.
    void deleteRun(std::int64_t runId);
    // Runs without an outcome (what was running when the daemon stopped), with their requests.
    // state is Running; deadline and simulated as recorded.
    std::vector<core::RunningTask> loadUnfinishedRuns();
    std::vector<core::RunRecord> history(const HistoryFilter& filter);
    // What a finished run used (accounting from its launch target) and its end cause.
    void recordUsage(std::int64_t runId, const core::RunUsage& usage);
    // The run launched in the network coalescing group `group` (schema v5).
    void setCoalesceGroup(std::int64_t runId, std::int64_t group);

    // Checkpoints (schema v8): the opaque bytes a task of (app, identifier) saved last; empty
    // when there is none. put replaces, delete removes (no-op when there is none).
    std::vector<std::uint8_t> loadCheckpoint(std::string_view app, std::string_view identifier);
    void putCheckpoint(std::string_view app, std::string_view identifier,
                       const std::vector<std::uint8_t>& data, core::TimePoint savedAt);
    void deleteCheckpoint(std::string_view app, std::string_view identifier);
    // The size and time of (app, identifier)'s checkpoint, for explain; nullopt when none.
    std::optional<CheckpointInfo> checkpointInfo(std::string_view app, std::string_view identifier);
    // Records on the run the size of the checkpoint it saved (history's CheckpointSize).
    void setRunCheckpointBytes(std::int64_t runId, std::int64_t bytes);

    // Learned usage patterns (schema v7), by app id; saving replaces the app's row.
    std::map<std::string, core::UsagePattern, std::less<>> loadUsagePatterns();
    void saveUsagePattern(std::string_view app, const core::UsagePattern& pattern);
    // False when the app had none.
    bool deleteUsagePattern(std::string_view app);

    // The user's policy switches (schema v2): key "" holds the every-app switches, other keys
    // are app ids. Apps without a row are absent.
    std::map<std::string, core::Switches, std::less<>> loadUserPolicy();
    // Sets (true/false) or clears (nullopt) one switch; app "" is every app. A row whose two
    // switches are both cleared is deleted.
    void setUserPolicy(std::string_view app, core::PolicySetting setting, std::optional<bool> enabled);

    // Schedules (schema v4): every schedule's state, by app and identifier; insert or replace
    // one; delete one (false when there was none).
    std::vector<core::ScheduleRecord> loadSchedules();
    void putSchedule(const core::ScheduleRecord& record);
    bool deleteSchedule(std::string_view app, std::string_view identifier);

    // Notifications on screen (schema v6): every one recorded, by owner and id; record one
    // (replacing the same owner and id); forget one (no error when there was none).
    std::vector<NotificationRecord> loadNotifications();
    void putNotification(const NotificationRecord& record);
    void deleteNotification(std::string_view owner, std::uint32_t id);

    // Each app's use of background time since dayStart, from the history: runTime sums
    // ended - started over finished runs started at or after dayStart that are not simulated,
    // not continued processing, and did not end launch-failed or interrupted; terminations
    // counts those that ended terminated; lastLaunch and lastRefreshLaunch are the newest
    // start of any non-simulated scheduled-kind run / app-refresh run, of any day (dropped
    // requests' records are no runs and count for nothing). Apps
    // without such runs are absent.
    std::map<std::string, core::AppUsage, std::less<>> loadUsage(core::TimePoint dayStart);

    // The WAL (write-ahead log) and memory. onWalCommit(callback): after each commit, callback
    // gets the number of frames in the WAL, and this connection no longer checkpoints by itself
    // (SQLite would otherwise copy the WAL into the database inside every thousandth frame's
    // commit); the listener is expected to checkpoint on a connection of its own
    // (WalCheckpointer). An empty callback unhooks. releaseMemory() gives back what the page
    // cache holds and does not need; cacheBytes() is what it holds.
    void onWalCommit(std::function<void(int frames)> callback);
    void releaseMemory();
    std::int64_t cacheBytes() const;

    // Every error raised by SQLite is rethrown as core::Error(Internal, "store-failed", …).

private:
    friend class Transaction;
    std::unique_ptr<Database> db_;
};

} // namespace bgtask::store
