// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ManagerAdaptor.h"

#include "Authorized.h"
#include "OptionCodec.h"
#include "Reply.h"
#include "ScheduleCodec.h"

#include <bgtask-api/Names.h>
#include <bgtask-api/OptionKeys.h>

#include <exception>
#include <memory>

namespace bgtask::bus {

ManagerAdaptor::ManagerAdaptor(sdbus::IConnection& connection, service::TaskService& service,
                               Authorizer& authorizer, service::FairCalls& calls, std::string version,
                               core::TimePoint startedAt)
    : AdaptorInterfaces(connection, api::kObjectPath), service_(service), authorizer_(authorizer), calls_(calls),
      version_(std::move(version)), startedAt_(startedAt)
{
    registerAdaptor();
}

ManagerAdaptor::~ManagerAdaptor() { unregisterAdaptor(); }

AccessRequest ManagerAdaptor::access(Access access, const std::string& app) const
{
    return {getObject().getCurrentlyProcessedMessage()->getSender(), access, app};
}

Authorizer::Decision ManagerAdaptor::queuedIfAllowed(sdbus::Result<>&& result,
                                                     std::function<void(service::CommitQueue::Done)> body)
{
    auto caller = getObject().getCurrentlyProcessedMessage()->getSender();
    return continueIfAllowed(replyWhenDone(std::move(result)),
                             [this, caller = std::move(caller), body = std::move(body)](const service::CommitQueue::Done& done) {
                                 calls_.enqueue(caller, [body](service::FairCalls::Done served) {
                                     try {
                                         body(served);
                                     } catch (const core::Error& e) {
                                         served(&e);
                                     }
                                 }, done);
                             });
}

namespace {

// A reply larger than the bus daemon's message limit (dbus-daemon's default max_message_size is
// 32 MiB) gets bgtaskd disconnected, which ends it: the list is refused well below that, with
// a typed error, before anything is encoded.
constexpr std::size_t kMaxReplyBytes = 16u << 20;

// An upper estimate of one request's encoded size: keys, signatures, padding and the
// fixed-size values, then the strings that vary.
std::size_t encodedSizeEstimate(const service::RequestView& view)
{
    const auto& r = view.request;
    return 1024 + r.app.size() + r.identifier.size() + view.readiness.reason.size() +
           r.options.title.value_or("").size() + r.options.subtitle.value_or("").size() +
           (view.schedule ? 512 : 0);
}

} // namespace

void ManagerAdaptor::ListRequests(sdbus::Result<std::vector<Dict>>&& result)
{
    authorizer_.check(access(Access::Observe), answerIfAllowed(std::move(result), "ListRequests", [this] {
        const auto views = service_.listRequests();
        std::size_t bytes = 0;
        for (const auto& view : views)
            bytes += encodedSizeEstimate(view);
        if (bytes > kMaxReplyBytes)
            throw core::Error(core::ErrorCode::Unavailable, "too-many-requests",
                              std::to_string(views.size()) + " pending requests do not fit in one D-Bus message "
                              "(about " + std::to_string(bytes >> 20) + " MiB, at most " +
                              std::to_string(kMaxReplyBytes >> 20) + " MiB); Explain answers for one request");
        std::vector<Dict> out;
        out.reserve(views.size());
        for (const auto& view : views)
            out.push_back(encodeRequestView(view));
        return out;
    }));
}

void ManagerAdaptor::ListRunningTasks(sdbus::Result<std::vector<Dict>>&& result)
{
    authorizer_.check(access(Access::Observe), answerIfAllowed(std::move(result), "ListRunningTasks", [this] {
        std::vector<Dict> out;
        for (const auto& [id, run] : service_.running())
            out.push_back(encodeActiveRun(run));
        return out;
    }));
}

void ManagerAdaptor::GetHistory(sdbus::Result<std::vector<Dict>>&& result, Dict filter)
{
    store::HistoryFilter decoded;
    try {
        decoded = decodeHistoryFilter(filter);
    } catch (const core::Error& e) {
        result.returnError(toDbusError(e));
        return;
    }
    authorizer_.check(access(Access::Observe, decoded.app.value_or("")),
                      answerIfAllowed(std::move(result), "GetHistory", [this, decoded] {
                          std::vector<Dict> out;
                          for (const auto& record : service_.history(decoded))
                              out.push_back(encodeRunRecord(record));
                          return out;
                      }));
}

void ManagerAdaptor::RunNow(sdbus::Result<>&& result, std::string app, std::string identifier)
{
    authorizer_.check(access(Access::Manage, app),
                      queuedIfAllowed(std::move(result), [this, app, identifier](service::CommitQueue::Done done) {
                          service_.runNow(app, identifier, std::move(done));
                      }));
}

void ManagerAdaptor::Expire(sdbus::Result<>&& result, std::string app, std::string identifier)
{
    authorizer_.check(access(Access::Manage, app),
                      queuedIfAllowed(std::move(result), [this, app, identifier](service::CommitQueue::Done done) {
                          service_.expireNow(app, identifier);
                          done(nullptr);
                      }));
}

void ManagerAdaptor::ForgetUsage(sdbus::Result<>&& result, std::string app)
{
    authorizer_.check(access(Access::Manage, app),
                      queuedIfAllowed(std::move(result), [this, app](service::CommitQueue::Done done) {
                          service_.forgetUsage(app, std::move(done));
                      }));
}

void ManagerAdaptor::Explain(sdbus::Result<Dict>&& result, std::string app, std::string identifier)
{
    authorizer_.check(access(Access::Observe, app), answerIfAllowed(std::move(result), "Explain", [this, app, identifier] {
        return encodeExplanation(service_.explain(app, identifier));
    }));
}

void ManagerAdaptor::Simulate(sdbus::Result<std::vector<Dict>, bool>&& result, Dict options)
{
    service::SimulateRequest request;
    try {
        request = decodeSimulateRequest(options);
    } catch (const core::Error& e) {
        result.returnError(toDbusError(e));
        return;
    }
    // The snapshot is taken on the loop; the simulation runs off it (runSimulations_) and is
    // answered from the loop when it is over. Errors before that go through `failed`.
    auto reply = std::make_shared<sdbus::Result<std::vector<Dict>, bool>>(std::move(result));
    service::CommitQueue::Done failed = [reply](const core::Error* error) {
        if (!error)
            return;
        try {
            reply->returnError(toDbusError(*error));
        } catch (const sdbus::Error& e) {
            service::logger("bus")->warn("Failed to send a reply to Simulate: {}, ignoring", e.what());
        }
    };
    authorizer_.check(access(Access::Observe, request.app),
                      continueIfAllowed(std::move(failed), [this, reply, request](const service::CommitQueue::Done& done) {
        struct Job {
            service::PreparedSimulation prepared;
            core::SimulationResult result;
            std::exception_ptr error;
        };
        auto job = std::make_shared<Job>(Job{service_.prepareSimulation(request), {}, {}});
        Work work = [job](const std::atomic<bool>& cancelled) {
            job->prepared.options.cancelled = [&cancelled] { return cancelled.load(); };
            try {
                job->result = core::simulate(std::move(job->prepared.input), job->prepared.options);
            } catch (...) {
                job->error = std::current_exception();
            }
        };
        auto finish = [reply, job, done] {
            try {
                if (job->error)
                    std::rethrow_exception(job->error);
                std::vector<Dict> events;
                events.reserve(job->result.events.size());
                for (const auto& event : job->result.events)
                    events.push_back(encodeSimulationEvent(event));
                reply->returnResults(events, job->result.truncated);
            } catch (const core::Error& e) {
                done(&e);
            } catch (const sdbus::Error& e) {
                service::logger("bus")->warn("Failed to send a reply to Simulate: {}, ignoring", e.what());
            } catch (const std::exception& e) {
                service::logger("bus")->error("Failed to simulate: {}", e.what());
                const core::Error internal(core::ErrorCode::Internal, "internal", e.what());
                done(&internal);
            }
        };
        if (!runSimulations_) {
            const std::atomic<bool> never{false};
            work(never);
            finish();
        } else if (!runSimulations_(std::move(work), std::move(finish))) {
            throw core::Error(core::ErrorCode::Unavailable, "busy",
                              "another simulation is running; try again when it has finished");
        }
    }));
}

void ManagerAdaptor::ListApps(sdbus::Result<std::vector<Dict>>&& result)
{
    authorizer_.check(access(Access::Observe), answerIfAllowed(std::move(result), "ListApps", [this] {
        std::vector<Dict> out;
        for (const auto& app : service_.apps())
            out.push_back(encodeAppView(app));
        return out;
    }));
}

void ManagerAdaptor::ListSchedules(sdbus::Result<std::vector<Dict>>&& result)
{
    authorizer_.check(access(Access::Observe), answerIfAllowed(std::move(result), "ListSchedules", [this] {
        return encodeSchedules(service_.schedules());
    }));
}

void ManagerAdaptor::GetPolicy(sdbus::Result<Dict>&& result, std::string app)
{
    authorizer_.check(access(Access::Observe, app), answerIfAllowed(std::move(result), "GetPolicy", [this, app] {
        return encodePolicyView(service_.policyOf(app));
    }));
}

void ManagerAdaptor::SetPolicy(sdbus::Result<>&& result, std::string app, std::string setting, bool enabled)
{
    authorizer_.check(access(Access::Manage, app),
                      queuedIfAllowed(std::move(result), [this, app, setting, enabled](service::CommitQueue::Done done) {
                          service_.setPolicy(app, setting, enabled, std::move(done));
                      }));
}

void ManagerAdaptor::GetManifestProblems(sdbus::Result<Problems>&& result)
{
    authorizer_.check(access(Access::Observe), answerIfAllowed(std::move(result), "GetManifestProblems", [this] {
        Problems out;
        for (const auto& issue : service_.manifests().issues())
            out.emplace_back(issue.file, static_cast<int32_t>(issue.line), issue.message, issue.fatal);
        return out;
    }));
}

void ManagerAdaptor::Cancel(sdbus::Result<>&& result, std::string app, std::string identifier)
{
    authorizer_.check(access(Access::Manage, app),
                      queuedIfAllowed(std::move(result), [this, app, identifier](service::CommitQueue::Done done) {
                          service_.cancelFor(app, identifier, std::move(done));
                      }));
}

void ManagerAdaptor::setSystemState(const core::SystemState& state,
                                    const std::map<std::string, std::string>& sources,
                                    const std::vector<std::string>& disabledSources)
{
    if (state == state_ && sources == sources_ && disabledSources == disabledSources_)
        return;
    state_ = state;
    sources_ = sources;
    disabledSources_ = disabledSources;
    getObject().emitPropertiesChangedSignal(INTERFACE_NAME, {"SystemState"});
}

ManagerAdaptor::Dict ManagerAdaptor::SystemState()
{
    return encodeSystemState(state_, sources_, disabledSources_);
}

void ManagerAdaptor::policyChanged(const std::string& app)
{
    emitPolicyChanged(app, encodePolicyView(service_.policyOf(app)));
}

void ManagerAdaptor::Subscribe(sdbus::Result<>&& result)
{
    const auto sender = getObject().getCurrentlyProcessedMessage()->getSender();
    authorizer_.check(access(Access::Observe), answerIfAllowed(std::move(result), "Subscribe", [this, sender] {
        if (subscribers_.insert(sender).second && onSubscriber_)
            onSubscriber_(sender);
    }));
}

void ManagerAdaptor::Unsubscribe()
{
    subscribers_.erase(getObject().getCurrentlyProcessedMessage()->getSender());
}

// Like systemd's manager signals: nobody subscribed, nothing sent, so a flood of submits costs
// neither bgtaskd nor the bus daemon a signal each.
void ManagerAdaptor::publish(const service::TaskEvent& event)
{
    if (subscribers_.empty())
        return;
    namespace key = api::key;
    Dict details{{key::kKind, std::string(toString(event.kind))}};
    if (event.runId)
        details[key::kTask] = sdbus::ObjectPath(taskObjectPath(event.runId));
    if (!event.reason.empty() || event.outcome)
        details[key::kReason] = event.reason;
    if (event.outcome)
        details[key::kOutcome] = std::string(toString(*event.outcome));
    emitTaskChanged(std::string(event.app), std::string(event.identifier), std::string(event.event), details);
}

} // namespace bgtask::bus
