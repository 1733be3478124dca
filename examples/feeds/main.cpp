// SPDX-License-Identifier: LGPL-2.1-or-later
// bgtask-example-feeds: a news reader's background refresh, the way Apple's sample app does it,
// on libbgtask. It registers org.example.Feeds.refresh at start-up; each launch reads the
// *.feed files of its feeds directory into its SQLite cache on a worker thread, submits the next
// refresh and completes the task. The expiration handler cancels the work and completes(false).
//
// Modes: without --submit-in it is what D-Bus activation starts: it waits for tasks and exits
// once it has been idle for 3 s after the last one (or after 30 s without any).
// With --submit-in N it submits a refresh for N seconds from now, says so and exits.
#include "FeedCache.h"
#include "FeedFile.h"

#include <bgtask/bgtask.h>

#include <condition_variable>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using std::chrono::seconds;

constexpr const char* kAppId = "org.example.Feeds";
constexpr const char* kRefreshIdentifier = "org.example.Feeds.refresh";

void log(const std::string& line)
{
    static std::mutex mutex;
    std::lock_guard lock(mutex);
    std::cerr << "feeds: " << line << std::endl;
}

std::string localTime(bgtask::TimePoint time)
{
    const std::time_t t = bgtask::Clock::to_time_t(time);
    std::tm tm{};
    localtime_r(&t, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
    return text;
}

fs::path xdgDir(const char* variable, const char* underHome)
{
    if (const char* dir = std::getenv(variable); dir && *dir == '/')
        return dir;
    const char* home = std::getenv("HOME");
    return fs::path(home ? home : "/") / underHome;
}

struct Options {
    fs::path feedsDir = xdgDir("XDG_DATA_HOME", ".local/share") / kAppId / "feeds";
    fs::path cache = xdgDir("XDG_CACHE_HOME", ".cache") / kAppId / "cache.db";
    seconds interval{900};
    std::optional<seconds> submitIn;
    std::chrono::milliseconds workDelay{0};
};

constexpr const char* kUsage =
    "Usage: bgtask-example-feeds [--submit-in SECONDS] [--feeds-dir DIR] [--cache FILE]\n"
    "                            [--interval SECONDS] [--work-delay MS]\n"
    "  (no --submit-in)      serve refresh launches; D-Bus activation starts it this way\n"
    "  --submit-in SECONDS   submit a refresh for SECONDS from now and exit\n"
    "  --feeds-dir DIR       where the *.feed files are ($XDG_DATA_HOME/org.example.Feeds/feeds)\n"
    "  --cache FILE          the SQLite cache ($XDG_CACHE_HOME/org.example.Feeds/cache.db)\n"
    "  --interval SECONDS    how far ahead each refresh submits the next one (900)\n"
    "  --work-delay MS       pretend each feed takes this long to fetch (to try expiration)\n";

// nullopt after printing usage; *status says how to exit then.
std::optional<Options> parseOptions(int argc, char** argv, int* status)
{
    Options options;
    *status = 2;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        std::string value;
        if (arg == "--help" || arg == "-h") {
            std::cout << kUsage;
            *status = 0;
            return std::nullopt;
        }
        if (auto eq = arg.find('='); eq != std::string::npos) {
            value = arg.substr(eq + 1);
            arg.resize(eq);
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            std::cerr << "bgtask-example-feeds: " << arg << " needs a value\n" << kUsage;
            return std::nullopt;
        }
        try {
            if (arg == "--feeds-dir")
                options.feedsDir = value;
            else if (arg == "--cache")
                options.cache = value;
            else if (arg == "--interval")
                options.interval = seconds(std::stol(value));
            else if (arg == "--submit-in")
                options.submitIn = seconds(std::stol(value));
            else if (arg == "--work-delay")
                options.workDelay = std::chrono::milliseconds(std::stol(value));
            else
                throw std::invalid_argument("unknown option");
        } catch (const std::exception&) {
            std::cerr << "bgtask-example-feeds: bad option " << arg << ' ' << value << '\n' << kUsage;
            return std::nullopt;
        }
    }
    return options;
}

class FeedsApp {
public:
    explicit FeedsApp(Options options)
        : options_(std::move(options))
    {
    }

    // Becomes org.example.Feeds and registers the refresh handler; false when not permitted.
    bool start()
    {
        auto& scheduler = bgtask::Scheduler::shared();
        scheduler.setApplicationId(kAppId);
        const bool registered =
            scheduler.registerTask(kRefreshIdentifier, [this](std::shared_ptr<bgtask::Task> task) { onLaunch(task); });
        // Every refresh handler is registered: from here on, registering another one is a mistake.
        scheduler.launchFinished();
        if (registered)
            return true;
        log(std::string("Failed to register ") + kRefreshIdentifier + ": the app's manifest does not permit it");
        return false;
    }

    bgtask::TimePoint submitRefresh(seconds from_now)
    {
        const auto when = bgtask::Clock::now() + from_now;
        bgtask::Scheduler::shared().submit(bgtask::AppRefreshTaskRequest{kRefreshIdentifier, when});
        return when;
    }

    // Returns once no task has run for 3 s after the last one ended, or after noTask without any.
    void waitUntilIdle(std::chrono::steady_clock::duration noTask)
    {
        const auto start = std::chrono::steady_clock::now();
        std::unique_lock lock(mutex_);
        while (true) {
            if (running_ > 0) {
                changed_.wait(lock);
                continue;
            }
            const auto until = anyTask_ ? lastEnded_ + 3s : start + noTask;
            if (std::chrono::steady_clock::now() >= until)
                break;
            changed_.wait_until(lock, until);
        }
        for (auto& worker : workers_)
            worker.join();  // every worker has ended its task; this only reaps the threads
        workers_.clear();
    }

private:
    // On the library's bus thread: start the work elsewhere and return.
    void onLaunch(const std::shared_ptr<bgtask::Task>& task)
    {
        log(std::string("refresh launched") + (task->isSimulated() ? " (simulated)" : "") +
            (task->deadline() ? ", deadline " + localTime(*task->deadline()) : ""));
        std::stop_source stop;
        task->setExpirationHandler([this, task, stop](const bgtask::ExpirationReason& reason) mutable {
            log("refresh expired (" + reason.name + "), cancelling it");
            stop.request_stop();
            scheduleNextRefresh();  // a failed task is not retried by itself: ask for the next one
            task->setTaskCompleted(false);
        });
        std::lock_guard lock(mutex_);
        ++running_;
        anyTask_ = true;
        workers_.emplace_back([this, task, token = stop.get_token()] { refresh(task, token); });
    }

    void refresh(const std::shared_ptr<bgtask::Task>& task, std::stop_token stop)
    {
        std::size_t feedCount = 0;
        std::size_t items = 0;
        bool ok = false;
        try {
            const auto feeds = feeds::readFeedDirectory(options_.feedsDir, stop);
            pretendToFetch(feeds.size(), stop);
            feeds::FeedCache cache(options_.cache);
            items = cache.store(feeds, std::chrono::system_clock::now(), stop);
            feedCount = feeds.size();
            ok = true;
        } catch (const std::exception& e) {
            log(std::string("Failed to refresh: ") + e.what());
        }
        if (stop.stop_requested()) {
            log("refresh cancelled");  // the expiration handler completed the task
        } else {
            const auto next = scheduleNextRefresh();
            if (ok)
                log("refreshed " + std::to_string(feedCount) + " feeds, " + std::to_string(items) + " items; " +
                    (next ? "next refresh not before " + localTime(*next) : "no next refresh scheduled"));
            task->setTaskCompleted(ok);
        }
        std::lock_guard lock(mutex_);
        --running_;
        lastEnded_ = std::chrono::steady_clock::now();
        changed_.notify_all();
    }

    void pretendToFetch(std::size_t feedCount, std::stop_token stop)
    {
        if (options_.workDelay <= 0ms)
            return;
        std::mutex mutex;
        std::condition_variable_any sleeper;
        std::unique_lock lock(mutex);
        sleeper.wait_for(lock, stop, options_.workDelay * static_cast<long>(feedCount), [] { return false; });
    }

    std::optional<bgtask::TimePoint> scheduleNextRefresh()
    {
        try {
            return submitRefresh(options_.interval);
        } catch (const bgtask::SchedulerError& e) {
            log(std::string("Failed to submit the next refresh: ") + e.what());
            return std::nullopt;
        }
    }

    const Options options_;
    std::mutex mutex_;
    std::condition_variable changed_;
    int running_ = 0;
    bool anyTask_ = false;
    std::chrono::steady_clock::time_point lastEnded_;
    std::vector<std::thread> workers_;
};

} // namespace

int main(int argc, char** argv)
{
    int status = 0;
    const auto options = parseOptions(argc, argv, &status);
    if (!options)
        return status;

    FeedsApp app(*options);
    try {
        if (!options->submitIn)
            log("waiting for refresh launches");
        if (!app.start())
            return 1;
        if (options->submitIn) {
            const auto when = app.submitRefresh(*options->submitIn);
            std::cout << "Submitted " << kRefreshIdentifier << " (app-refresh), not before " << localTime(when)
                      << " (in " << options->submitIn->count() << " s).\n";
            // A request due (almost) now may be launched into this very process: serve it.
            app.waitUntilIdle(*options->submitIn < 5s ? *options->submitIn + 3s : 0s);
            return 0;
        }
        app.waitUntilIdle(30s);
        log("idle, exiting");
        return 0;
    } catch (const bgtask::SchedulerError& e) {
        log(std::string("Failed to talk to bgtaskd: ") + e.what());
        app.waitUntilIdle(0s);
        return 1;
    }
}
