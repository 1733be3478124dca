// SPDX-License-Identifier: LGPL-2.1-or-later
// bgtask-test-libapp: a scriptable app on libbgtask's C++ API, for the integration tests
// (test_library*.py). It reads one command per line on stdin and answers each with one JSON line
// on stdout; what happens to it meanwhile (launches, expirations, completions of asynchronous
// calls, with the thread they ran on) is written as JSON event lines to stdout too.
// capi_app.py speaks the same protocol over the C API, so that one test suite covers both.
//
//   --loop library   the library's own thread (default)
//   --loop fd        useExternalEventLoop(): the main thread polls stdin and eventFd()
//   --loop sdbus     useSdbusConnection() with an sdbus-c++ connection run by enterEventLoopAsync()
//   --own-name NAME  (sdbus) the app owns NAME on its connection before the library starts
//
// Commands: see dispatch() below; arguments are separated by spaces, values are percent-decoded.
#include "LibAppProtocol.h"

#include <bgtask/SdbusConnection.h>
#include <bgtask/bgtask.h>

#include <sdbus-c++/sdbus-c++.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <poll.h>
#include <unistd.h>

namespace {

using namespace std::chrono_literals;

// --loop fd: how many times the main loop called process() (the "process-calls" command).
long gProcessCalls = 0;

// Read-like system calls the calling thread has made (Linux task I/O accounting: read() and the
// like, failed ones too, not recvmsg()), for the "read-calls" command; -1 when unknown.
long long threadReadCalls()
{
    std::ifstream io("/proc/thread-self/io");
    std::string key;
    std::uint64_t value = 0;
    while (io >> key >> value) {
        if (key == "syscr:")
            return static_cast<long long>(value);
    }
    return -1;
}
using libapp::Json;
using libapp::Words;

const char* statusName(bgtask::BackgroundRefreshStatus status)
{
    return status == bgtask::BackgroundRefreshStatus::Available ? "available"
           : status == bgtask::BackgroundRefreshStatus::Denied  ? "denied"
                                                                : "restricted";
}

Json errorReply(Json reply, const bgtask::SchedulerError& e)
{
    return reply.set("ok", false)
        .set("code", std::string(bgtask::toString(e.code())))
        .set("appleCode", e.appleCode())
        .set("subReason", e.subReason())
        .set("message", e.message());
}

Json errorFields(Json json, const std::optional<bgtask::SchedulerError>& e)
{
    if (!e)
        return json.set("ok", true);
    return errorReply(std::move(json), *e);
}

Json requestJson(const bgtask::TaskRequest& request)
{
    Json json;
    json.set("kind", std::string(bgtask::toString(bgtask::kindOf(request))))
        .set("identifier", bgtask::identifierOf(request));
    if (auto date = bgtask::earliestBeginDateOf(request))
        json.set("earliest", std::chrono::duration_cast<std::chrono::microseconds>(date->time_since_epoch()).count());
    std::visit(
        [&](const auto& r) {
            using R = std::decay_t<decltype(r)>;
            if constexpr (std::is_base_of_v<bgtask::ProcessingTaskRequest, R>) {
                json.set("network", r.requiresNetworkConnectivity)
                    .set("power", r.requiresExternalPower)
                    .set("battery", r.requiresBatteryNotLow);
                if (r.networkType)
                    json.set("networkType", std::string(bgtask::toString(*r.networkType)));
            }
            if constexpr (std::is_same_v<R, bgtask::HealthResearchTaskRequest>) {
                if (r.protectionTypeOfRequiredData)
                    json.set("protection", std::string(bgtask::toString(*r.protectionTypeOfRequiredData)));
            }
            if constexpr (std::is_same_v<R, bgtask::ContinuedProcessingTaskRequest>) {
                json.set("title", r.title)
                    .set("subtitle", r.subtitle)
                    .set("strategy", std::string(bgtask::toString(r.strategy)))
                    .set("gpu", bgtask::contains(r.requiredResources, bgtask::Resources::Gpu));
            }
        },
        request);
    return json;
}

// Builds a request from "submit <kind> <identifier> key=value ..."
bgtask::TaskRequest parseRequest(const Words& w)
{
    const auto kind = bgtask::taskKindFromString(w.at(1));
    const auto& id = w.at(2);
    std::optional<bgtask::TimePoint> earliest;
    if (auto in = w.option("in"))
        earliest = bgtask::Clock::now() + std::chrono::milliseconds(static_cast<long>(std::stod(*in) * 1000));
    const auto flag = [&](const char* key) { return w.option(key).value_or("0") == "1"; };
    auto processing = [&](bgtask::ProcessingTaskRequest& r) {
        r.identifier = id;
        r.earliestBeginDate = earliest;
        r.requiresNetworkConnectivity = flag("network");
        r.requiresExternalPower = flag("power");
        r.requiresBatteryNotLow = flag("battery");
        if (auto type = w.option("network-type"))
            r.networkType = *type == "unmetered" ? bgtask::NetworkType::Unmetered
                            : *type == "connected" ? bgtask::NetworkType::Connected
                                                   : bgtask::NetworkType::Any;
    };
    if (!kind)
        throw bgtask::SchedulerError(bgtask::SchedulerError::Code::InvalidArgument, "test-app", "unknown kind " + w.at(1));
    switch (*kind) {
    case bgtask::TaskKind::AppRefresh: return bgtask::AppRefreshTaskRequest{id, earliest};
    case bgtask::TaskKind::Processing: {
        bgtask::ProcessingTaskRequest r;
        processing(r);
        return r;
    }
    case bgtask::TaskKind::HealthResearch: {
        bgtask::HealthResearchTaskRequest r;
        processing(r);
        if (auto p = w.option("protection"))
            r.protectionTypeOfRequiredData =
                *p == "none" ? bgtask::ProtectionType::None
                : *p == "complete" ? bgtask::ProtectionType::Complete
                : *p == "complete-unless-open" ? bgtask::ProtectionType::CompleteUnlessOpen
                                               : bgtask::ProtectionType::CompleteUntilFirstUserAuthentication;
        return r;
    }
    case bgtask::TaskKind::ContinuedProcessing: {
        bgtask::ContinuedProcessingTaskRequest r;
        r.identifier = id;
        r.title = w.option("title").value_or("");
        r.subtitle = w.option("subtitle").value_or("");
        r.strategy = w.option("strategy") == "fail" ? bgtask::SubmissionStrategy::Fail : bgtask::SubmissionStrategy::Queue;
        if (flag("gpu"))
            r.requiredResources = bgtask::Resources::Gpu;
        r.earliestBeginDate = earliest;
        return r;
    }
    }
    throw std::logic_error("unreachable");
}

class App {
public:
    explicit App(libapp::Output& out)
        : out_(out)
    {
    }

    // One command line; returns false on "quit".
    bool dispatch(const std::string& line)
    {
        const Words w(line);
        if (w.empty())
            return true;
        Json reply;
        reply.set("reply", w.at(0));
        try {
            if (w.at(0) == "quit") {
                out_.write(reply.set("ok", true));
                return false;
            }
            run(w, reply);
            if (!reply.has("ok"))
                reply.set("ok", true);
        } catch (const bgtask::SchedulerError& e) {
            reply = errorReply(std::move(reply), e);
        } catch (const std::exception& e) {
            reply.set("ok", false).set("code", "TestApp").set("message", std::string(e.what()));
        }
        out_.write(reply);
        return true;
    }

private:
    void submitChain(const bgtask::TaskRequest& request, int left)
    {
        bgtask::Scheduler::shared().submit(request, [this, request, left](std::optional<bgtask::SchedulerError> e) {
            if (e || left <= 1) {
                out_.event(errorFields(Json().set("event", "chain-done").set("left", left - 1), e));
                return;
            }
            submitChain(request, left - 1);
        });
    }

    void run(const Words& w, Json& reply)
    {
        auto& s = bgtask::Scheduler::shared();
        const auto& cmd = w.at(0);
        if (cmd == "app") {
            if (w.size() > 2)
                s.setApplicationId(w.at(1), w.at(2));
            else
                s.setApplicationId(w.at(1));
        } else if (cmd == "app-id") {
            reply.set("appId", s.applicationId());
        } else if (cmd == "register") {
            const auto behavior = w.size() > 2 ? w.at(2) : "complete";
            reply.set("registered", s.registerTask(w.at(1), [this, behavior](std::shared_ptr<bgtask::Task> t) {
                onLaunch(std::move(t), behavior);
            }));
        } else if (cmd == "register-continued") {
            const auto behavior = w.size() > 2 ? w.at(2) : "complete";
            reply.set("registered", s.registerContinuedProcessingTask(
                                        w.at(1), [this, behavior](std::shared_ptr<bgtask::ContinuedProcessingTask> t) {
                                            onLaunch(std::move(t), behavior);
                                        }));
        } else if (cmd == "launch-finished") {
            s.launchFinished();
            reply.set("launchFinished", s.isLaunchFinished());
        } else if (cmd == "submit") {
            s.submit(parseRequest(w));
        } else if (cmd == "submit-async") {
            const auto id = w.at(2);
            s.submit(parseRequest(w), [this, id](std::optional<bgtask::SchedulerError> e) {
                out_.event(errorFields(Json().set("event", "submit-done").set("identifier", id), e));
            });
        } else if (cmd == "submit-chain") {
            // submit-chain KIND ID count=N [options]: N asynchronous submits, each sent from the
            // completion of the one before; then a chain-done event.
            submitChain(parseRequest(w), std::stoi(w.option("count").value_or("1")));
        } else if (cmd == "process-calls") {
            reply.set("calls", gProcessCalls);
        } else if (cmd == "read-calls") {
            // The thread that runs commands: with --loop fd, the one that calls process() too.
            reply.set("calls", threadReadCalls());
        } else if (cmd == "schedule-periodic" || cmd == "submit-retry") {
            // Seconds; 0 or absent: the library's defaults (as the C API's 0).
            const auto usec = [&](const char* key) {
                return std::chrono::microseconds(static_cast<std::int64_t>(std::stod(w.option(key).value_or("0")) * 1e6));
            };
            bgtask::Backoff backoff;
            if (usec("backoff").count() != 0)
                backoff.initialDelay = usec("backoff");
            if (usec("max-backoff").count() != 0)
                backoff.maxDelay = usec("max-backoff");
            if (cmd == "schedule-periodic")
                s.schedulePeriodic(parseRequest(w), usec("interval"), usec("flex"), backoff);
            else
                s.submitWithRetry(parseRequest(w), backoff);
        } else if (cmd == "cancel") {
            s.cancel(w.at(1));
        } else if (cmd == "cancel-async") {
            s.cancel(w.at(1), [this](std::optional<bgtask::SchedulerError> e) {
                out_.event(errorFields(Json().set("event", "cancel-done"), e));
            });
        } else if (cmd == "cancel-all") {
            s.cancelAll();
        } else if (cmd == "cancel-all-async") {
            s.cancelAll([this](std::optional<bgtask::SchedulerError> e) {
                out_.event(errorFields(Json().set("event", "cancel-all-done"), e));
            });
        } else if (cmd == "pending") {
            reply.set("requests", pendingJson(s.pendingTaskRequests()));
        } else if (cmd == "pending-async") {
            s.pendingTaskRequests([this](std::vector<bgtask::PendingTaskRequest> r, std::optional<bgtask::SchedulerError> e) {
                out_.event(errorFields(Json().set("event", "pending-done").set("requests", pendingJson(r)), e));
            });
        } else if (cmd == "resources") {
            std::vector<std::string> names;
            if (bgtask::contains(s.supportedResources(), bgtask::Resources::Gpu))
                names.emplace_back("gpu");
            reply.set("resources", names);
        } else if (cmd == "refresh-status") {
            reply.set("status", statusName(s.backgroundRefreshStatus()));
        } else if (cmd == "watch-refresh-status") {
            s.setBackgroundRefreshStatusHandler([this](bgtask::BackgroundRefreshStatus status) {
                out_.event(Json().set("event", "refresh-status-changed").set("status", statusName(status)));
            });
        } else if (cmd == "event-fd") {
            reply.set("fd", s.eventFd());
        } else if (cmd == "use-external-loop") {
            reply.set("fd", s.useExternalEventLoop());
        } else {
            taskCommand(w, reply);
        }
    }

    // Commands on a running task, by identifier: complete, progress, title, task.
    void taskCommand(const Words& w, Json& reply)
    {
        const auto& cmd = w.at(0);
        auto task = find(w.at(1));
        auto* continued = dynamic_cast<bgtask::ContinuedProcessingTask*>(task.get());
        if (cmd == "complete") {
            task->setTaskCompleted(w.at(2) == "true");
        } else if (cmd == "progress") {
            if (!continued)
                throw std::runtime_error("not a continued-processing task");
            continued->progress().setUnitCounts(std::stoll(w.at(2)), std::stoll(w.at(3)));
        } else if (cmd == "title") {
            if (!continued)
                throw std::runtime_error("not a continued-processing task");
            continued->updateTitle(w.at(2), w.size() > 3 ? w.at(3) : "");
        } else if (cmd == "checkpoint") {
            reply.set("checkpoint", toHex(task->checkpoint()));
        } else if (cmd == "save-checkpoint") {
            // save-checkpoint IDENT HEX [REPEAT]: the bytes, repeated REPEAT times (big ones).
            auto bytes = fromHex(w.size() > 2 ? w.at(2) : "");
            const auto repeat = w.size() > 3 ? std::stoul(w.at(3)) : 1UL;
            std::vector<std::uint8_t> data;
            for (unsigned long i = 0; i < repeat; ++i)
                data.insert(data.end(), bytes.begin(), bytes.end());
            task->saveCheckpoint(data);
        } else if (cmd == "task") {
            reply.set("identifier", task->identifier())
                .set("kind", std::string(bgtask::toString(task->kind())))
                .set("simulated", task->isSimulated())
                .set("completed", task->isCompleted())
                .set("hasDeadline", task->deadline().has_value());
            if (continued)
                reply.set("title", continued->title())
                    .set("subtitle", continued->subtitle())
                    .set("completedUnits", continued->progress().completedUnitCount())
                    .set("totalUnits", continued->progress().totalUnitCount())
                    .set("fraction", continued->progress().fractionCompleted());
        } else {
            throw std::runtime_error("unknown command " + cmd);
        }
    }

    static std::string toHex(const std::vector<std::uint8_t>& data)
    {
        static constexpr char kDigits[] = "0123456789abcdef";
        std::string text;
        for (auto byte : data)
            text += {kDigits[byte >> 4], kDigits[byte & 15]};
        return text;
    }

    static std::vector<std::uint8_t> fromHex(const std::string& text)
    {
        std::vector<std::uint8_t> data;
        for (std::size_t i = 0; i + 1 < text.size(); i += 2)
            data.push_back(static_cast<std::uint8_t>(std::stoul(text.substr(i, 2), nullptr, 16)));
        return data;
    }

    static std::vector<Json> pendingJson(const std::vector<bgtask::PendingTaskRequest>& requests)
    {
        std::vector<Json> list;
        for (const auto& r : requests)
            list.push_back(requestJson(r));
        return list;
    }

    std::shared_ptr<bgtask::Task> find(const std::string& identifier)
    {
        std::lock_guard lock(mutex_);
        auto it = tasks_.find(identifier);
        if (it == tasks_.end())
            throw std::runtime_error("no task " + identifier);
        return it->second;
    }

    void onLaunch(std::shared_ptr<bgtask::Task> task, const std::string& behavior)
    {
        Json launch;
        launch.set("event", "launch")
            .set("identifier", task->identifier())
            .set("kind", std::string(bgtask::toString(task->kind())))
            .set("simulated", task->isSimulated())
            .set("hasDeadline", task->deadline().has_value())
            .set("isContinuedTask", dynamic_cast<bgtask::ContinuedProcessingTask*>(task.get()) != nullptr);
        if (auto* c = dynamic_cast<bgtask::ContinuedProcessingTask*>(task.get()))
            launch.set("title", c->title()).set("subtitle", c->subtitle());
        out_.event(launch);
        {
            std::lock_guard lock(mutex_);
            tasks_[task->identifier()] = task;
        }
        if (behavior == "throw")
            throw std::runtime_error("launch handler failed on purpose");
        if (behavior != "hold-no-expiration-handler") {
            task->setExpirationHandler([this, task](const bgtask::ExpirationReason& reason) {
                out_.event(Json()
                               .set("event", "expire")
                               .set("identifier", task->identifier())
                               .set("reason", reason.name)
                               .set("code", std::string(bgtask::toString(reason.code))));
                task->setTaskCompleted(false);
            });
        }
        if (behavior == "complete-in-handler") {
            task->setTaskCompleted(true);
        } else if (behavior == "progress-and-complete-in-handler") {
            // Progress wakes the flusher, which sends while this thread completes the task.
            auto continued = std::dynamic_pointer_cast<bgtask::ContinuedProcessingTask>(task);
            continued->progress().setUnitCounts(1, 2);
            continued->progress().setUnitCounts(2, 2);
            task->setTaskCompleted(true);
        } else if (behavior == "resubmit") {
            bgtask::Scheduler::shared().submit(
                bgtask::AppRefreshTaskRequest{task->identifier(), bgtask::Clock::now() + 1h});
            task->setTaskCompleted(true);
        } else if (behavior == "complete" || behavior == "fail") {
            std::thread([task, ok = behavior == "complete"] {
                std::this_thread::sleep_for(50ms);
                task->setTaskCompleted(ok);
            }).detach();
        } else if (behavior.starts_with("export:")) {
            // export:<steps>: a burst of progress updates, a title change, then completion.
            const auto steps = std::stoll(behavior.substr(7));
            std::thread([this, task, steps] { exportWork(task, steps); }).detach();
        }
        // hold, hold-no-expiration-handler: the test completes or expires it.
    }

    void exportWork(const std::shared_ptr<bgtask::Task>& task, long long steps)
    {
        auto continued = std::dynamic_pointer_cast<bgtask::ContinuedProcessingTask>(task);
        const auto started = std::chrono::steady_clock::now();
        for (long long i = 1; i <= steps; ++i) {
            continued->progress().setUnitCounts(i, steps);
            if (i == steps / 2)
                continued->updateTitle("Exporting", "half way");
            std::this_thread::sleep_for(1ms);
        }
        const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
        out_.event(Json()
                       .set("event", "export-done")
                       .set("identifier", task->identifier())
                       .set("completedUnits", continued->progress().completedUnitCount())
                       .set("totalUnits", continued->progress().totalUnitCount())
                       .set("finished", continued->progress().isFinished())
                       .set("title", continued->title())
                       .set("subtitle", continued->subtitle())
                       .set("ms", static_cast<long long>(took.count())));
        task->setTaskCompleted(true);
    }

    libapp::Output& out_;
    std::mutex mutex_;
    std::map<std::string, std::shared_ptr<bgtask::Task>> tasks_;
};

void serveStdinBlocking(App& app)
{
    std::string line;
    while (std::getline(std::cin, line))
        if (!app.dispatch(line))
            return;
}

// --loop fd: one poll() over stdin and the library's descriptor, everything on this thread.
void serveWithExternalLoop(App& app, int fd)
{
    std::string buffer;
    while (true) {
        pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {fd, POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0)
            continue;
        if (fds[1].revents & POLLIN) {
            ++gProcessCalls;
            bgtask::Scheduler::shared().process();
        }
        if (fds[0].revents & (POLLIN | POLLHUP)) {
            char chunk[4096];
            const auto n = ::read(STDIN_FILENO, chunk, sizeof chunk);
            if (n <= 0)
                return;
            buffer.append(chunk, static_cast<std::size_t>(n));
            for (auto nl = buffer.find('\n'); nl != std::string::npos; nl = buffer.find('\n')) {
                const auto line = buffer.substr(0, nl);
                buffer.erase(0, nl + 1);
                if (!app.dispatch(line))
                    return;
            }
        }
    }
}

} // namespace

int main(int argc, char** argv)
{
    std::string loop = "library";
    std::string ownName;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string arg = argv[i];
        if (arg == "--loop")
            loop = argv[i + 1];
        else if (arg == "--own-name")
            ownName = argv[i + 1];
    }
    libapp::Output out(std::this_thread::get_id());
    App app(out);
    std::shared_ptr<sdbus::IConnection> connection;
    if (loop == "fd") {
        const int fd = bgtask::Scheduler::shared().useExternalEventLoop();
        out.event(Json().set("event", "ready").set("loop", loop).set("fd", fd));
        serveWithExternalLoop(app, fd);
        return 0;
    }
    if (loop == "sdbus") {
        connection = sdbus::createSessionBusConnection();
        if (!ownName.empty())
            connection->requestName(ownName);
        bgtask::useSdbusConnection(connection);
        connection->enterEventLoopAsync();
    }
    out.event(Json().set("event", "ready").set("loop", loop));
    serveStdinBlocking(app);
    return 0;
}
