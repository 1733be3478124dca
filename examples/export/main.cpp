// SPDX-License-Identifier: LGPL-2.1-or-later
// bgtask-example-export: a long export that the user starts and that goes on in the background,
// the way Apple's BGContinuedProcessingTask is meant to be used, on libbgtask.
//
// Running the command is the user's action. The app registers a handler for a fresh identifier
// under the manifest's "org.example.Export.export.*" entry, submits a continued-processing request
// with a title, and bgtaskd starts the task at once in this process. The work runs on a thread of
// its own, reports progress per item and updates the subtitle; the desktop shows both and lets the
// user cancel (the expiration handler then gets "user-cancelled"). Ctrl-C cancels from the app.
// The process exits when the task has ended: 0 when the export completed, 1 otherwise.
#include <bgtask/bgtask.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kAppId = "org.example.Export";
constexpr const char* kIdentifierPrefix = "org.example.Export.export.";

constexpr const char* kUsage =
    "Usage: bgtask-example-export [--items N] [--item-ms MS] [--to DIR] [--gpu]\n"
    "  --items N     how many photos to export (20)\n"
    "  --item-ms MS  how long each one takes (250)\n"
    "  --to DIR      where to write them ($XDG_CACHE_HOME/org.example.Export)\n"
    "  --gpu         ask for the GPU when this machine can grant it\n";

struct Options {
    int items = 20;
    std::chrono::milliseconds itemTime{250};
    fs::path outputDir;
    bool gpu = false;
};

std::atomic<bool> interrupted{false};

void onSignal(int)
{
    interrupted = true;
}

std::optional<Options> parse(int argc, char** argv)
{
    Options options;
    const char* cache = std::getenv("XDG_CACHE_HOME");
    const char* home = std::getenv("HOME");
    options.outputDir = (cache && *cache ? fs::path(cache) : fs::path(home ? home : "/tmp") / ".cache") / kAppId;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool hasValue = i + 1 < argc;
        if (arg == "--items" && hasValue)
            options.items = std::atoi(argv[++i]);
        else if (arg == "--item-ms" && hasValue)
            options.itemTime = std::chrono::milliseconds(std::atol(argv[++i]));
        else if (arg == "--to" && hasValue)
            options.outputDir = argv[++i];
        else if (arg == "--gpu")
            options.gpu = true;
        else
            return std::nullopt;
    }
    if (options.items <= 0)
        return std::nullopt;
    return options;
}

// A unique identifier for this export: the manifest permits "org.example.Export.export.*".
std::string freshIdentifier()
{
    std::random_device random;
    std::ostringstream id;
    id << kIdentifierPrefix << std::hex << random() << random();
    return id.str();
}

class Export {
public:
    explicit Export(Options options)
        : options_(std::move(options))
    {
    }

    // Called on the library's thread: start the work elsewhere and return at once.
    void start(std::shared_ptr<bgtask::ContinuedProcessingTask> task)
    {
        std::cerr << "export: started \"" << task->title() << "\"\n";
        task->progress().setTotalUnitCount(options_.items);
        task->setExpirationHandler([this](const bgtask::ExpirationReason& reason) {
            // "user-cancelled" when the user cancels from the desktop; bgtaskd always says why.
            std::cerr << "export: bgtaskd asked to stop (" << reason.name << ")\n";
            stop_.request_stop();
        });
        worker_ = std::jthread([this, task](std::stop_token) { run(task); });
    }

    // Blocks until the task has ended; true when the export completed.
    bool wait()
    {
        std::unique_lock lock(mutex_);
        ended_.wait(lock, [this] { return outcome_.has_value(); });
        return *outcome_;
    }

    void fail()
    {
        finish(false);
    }

private:
    void run(const std::shared_ptr<bgtask::ContinuedProcessingTask>& task)
    {
        fs::create_directories(options_.outputDir);
        auto& progress = task->progress();
        for (int i = 1; i <= options_.items; ++i) {
            if (stop_.stop_requested() || interrupted) {
                std::cerr << "\nexport: cancelled after " << progress.completedUnitCount() << " of "
                          << options_.items << "\n";
                task->setTaskCompleted(false);
                finish(false);
                return;
            }
            std::this_thread::sleep_for(options_.itemTime);  // the photo's real work
            std::ofstream(options_.outputDir / ("photo-" + std::to_string(i) + ".jpg")) << "photo " << i << '\n';
            progress.setCompletedUnitCount(i);  // cheap: the library coalesces what reaches the bus
            if (i % 5 == 0 || i == options_.items)
                task->updateTitle(task->title(), std::to_string(i) + " of " + std::to_string(options_.items));
            std::cerr << "\rexport: " << static_cast<int>(progress.fractionCompleted() * 100) << "% " << std::flush;
        }
        std::cerr << "\nexport: wrote " << options_.items << " photos to " << options_.outputDir.string() << "\n";
        task->setTaskCompleted(true);
        finish(true);
    }

    void finish(bool ok)
    {
        std::lock_guard lock(mutex_);
        if (!outcome_)
            outcome_ = ok;
        ended_.notify_all();
    }

    const Options options_;
    std::stop_source stop_;
    std::jthread worker_;
    std::mutex mutex_;
    std::condition_variable ended_;
    std::optional<bool> outcome_;
};

} // namespace

int main(int argc, char** argv)
{
    const auto options = parse(argc, argv);
    if (!options) {
        std::cerr << kUsage;
        return 2;
    }
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);

    Export job(*options);
    try {
        auto& scheduler = bgtask::Scheduler::shared();
        scheduler.setApplicationId(kAppId);
        // This app has no refresh or processing handlers; continued-processing handlers may be
        // registered after launch, right before their submit.
        scheduler.launchFinished();

        bgtask::ContinuedProcessingTaskRequest request;
        request.identifier = freshIdentifier();
        request.title = "Exporting " + std::to_string(options->items) + " photos";
        request.subtitle = "to " + options->outputDir.string();
        if (options->gpu) {
            if (bgtask::contains(scheduler.supportedResources(), bgtask::Resources::Gpu))
                request.requiredResources = bgtask::Resources::Gpu;
            else
                std::cerr << "export: this machine cannot grant the GPU to background work; exporting without\n";
        }
        if (!scheduler.registerContinuedProcessingTask(
                request.identifier, [&job](std::shared_ptr<bgtask::ContinuedProcessingTask> task) { job.start(task); })) {
            std::cerr << "export: the app's manifest does not permit " << request.identifier << "\n";
            return 1;
        }
        scheduler.submit(request);
    } catch (const bgtask::SchedulerError& e) {
        std::cerr << "export: Failed to start the export: " << e.what() << "\n";
        job.fail();
    }
    return job.wait() ? 0 : 1;
}
