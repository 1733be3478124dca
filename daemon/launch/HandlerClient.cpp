// SPDX-License-Identifier: LGPL-2.1-or-later
#include "HandlerClient.h"

#include "core/Utf8.h"
#include "service/Log.h"

#include <bgtask-api/Names.h>
#include <bgtask-api/OptionKeys.h>

namespace bgtask::launch {
namespace {

auto log() { static auto l = service::logger("launch"); return l; }

sdbus::ObjectPath taskPath(std::int64_t runId)
{
    return sdbus::ObjectPath(std::string(api::kTaskPathPrefix) + std::to_string(runId));
}

// An app's error reply as "name: message", bounded before anything logs or keeps it: an app
// may answer with a message of any size (the bus allows 128 MiB).
std::string appError(const sdbus::Error& error)
{
    return core::boundedText(error.getName() + ": " + error.getMessage(), core::kMaxReasonBytes);
}

} // namespace

HandlerClient::HandlerClient(sdbus::IConnection& connection, core::Duration callTimeout, Defer defer)
    : connection_(connection), callTimeout_(callTimeout), defer_(std::move(defer))
{
}

std::uint64_t HandlerClient::newCall(const std::string& destination)
{
    const auto id = nextCall_++;
    calls_[id] = sdbus::createProxy(connection_, destination, api::kHandlerPath);
    return id;
}

void HandlerClient::endCall(std::uint64_t id)
{
    // The reply handler runs inside the proxy; destroy it on the next loop turn.
    auto node = calls_.extract(id);
    if (node.empty())
        return;
    auto proxy = std::shared_ptr<sdbus::IProxy>(std::move(node.mapped()));
    defer_([proxy]() mutable { proxy.reset(); });
}

void HandlerClient::launch(const std::string& connection, const core::RunningTask& run,
                           std::function<void(std::optional<std::string>)> done)
{
    const auto id = newCall(connection);
    std::map<std::string, sdbus::Variant> info{
        {api::key::kDeadline, run.deadline ? core::toUsec(*run.deadline) : std::int64_t{0}},
        {api::key::kSimulated, run.simulated}};
    if (!run.checkpoint.empty())
        info.emplace(api::key::kCheckpoint, run.checkpoint);
    if (run.request.kind == core::TaskKind::ContinuedProcessing) {
        info.emplace(api::key::kTitle, run.request.options.title.value_or(""));
        info.emplace(api::key::kSubtitle, run.request.options.subtitle.value_or(""));
    }
    calls_[id]
        ->callMethodAsync("Launch")
        .onInterface(api::kHandlerInterface)
        .withTimeout(callTimeout_)
        .withArguments(taskPath(run.runId), run.request.identifier.str(),
                       std::string(toString(run.request.kind)), info)
        .uponReplyInvoke([this, id, done = std::move(done)](const sdbus::Error* error) {
            endCall(id);
            if (error)
                done(appError(*error));
            else
                done(std::nullopt);
        });
}

void HandlerClient::expire(const std::string& connection, const core::RunningTask& run,
                           const std::string& reason,
                           std::function<void(std::optional<std::string>)> done)
{
    const auto id = newCall(connection);
    const auto runId = run.runId;
    calls_[id]
        ->callMethodAsync("Expire")
        .onInterface(api::kHandlerInterface)
        .withTimeout(callTimeout_)
        .withArguments(taskPath(runId), reason)
        .uponReplyInvoke([this, id, runId, done = std::move(done)](const sdbus::Error* error) {
            endCall(id);
            const auto text = error ? std::optional(appError(*error)) : std::nullopt;
            if (text)
                log()->debug("Expire for run {} answered {}", runId, *text);
            if (done)
                done(text);
        });
}

} // namespace bgtask::launch
