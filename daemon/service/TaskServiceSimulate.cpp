// SPDX-License-Identifier: LGPL-2.1-or-later
// Manager1.Simulate: the what-if simulator (core/Simulation.h) over a snapshot of the service.
// Reads the history for the usual run times and changes nothing.
#include "TaskService.h"

#include "core/Error.h"
#include "core/Simulation.h"
#include "core/Utf8.h"

namespace bgtask::service {
namespace {

// The newest runs the usual durations are taken from: enough for kUsualDurationRuns of each
// of a few hundred identifiers, cheap to read.
constexpr std::size_t kUsualDurationHistory = 5000;

} // namespace

core::SimulationResult TaskService::simulate(const SimulateRequest& request)
{
    auto prepared = prepareSimulation(request);
    return core::simulate(std::move(prepared.input), prepared.options);
}

PreparedSimulation TaskService::prepareSimulation(const SimulateRequest& request)
{
    const auto now = effects_.now();
    if (request.span <= core::Duration{0} || request.span > core::kMaxSimulationSpan)
        throw core::Error(core::ErrorCode::InvalidArgument, "out-of-range",
                          "Hours must be from 1 to " +
                              std::to_string(std::chrono::duration_cast<std::chrono::hours>(core::kMaxSimulationSpan).count()));
    if (!request.app.empty() && !manifests_.byId(request.app))
        throw core::Error(core::ErrorCode::NotFound, "no-such-app",
                          "no app " + core::excerpt(request.app) + " has a manifest");
    PreparedSimulation out;
    auto& options = out.options;
    options.now = now;
    options.span = request.span;
    options.app = request.app;
    options.scenario = core::parseScenario(request.scenario, request.scenarioName.empty() ? "scenario" : request.scenarioName,
                                           now, usage_.scheduling().utcOffset);

    auto& input = out.input;
    input.pending.assign(book_.all().begin(), book_.all().end());
    input.running = runs_.snapshot();
    input.state = state_;
    input.gating = policy_;
    input.policy = policyTable_;
    input.scheduling = usage_.scheduling();
    input.limits = limits_;
    commits_.flush();   // runs that ended this turn count
    store::HistoryFilter recent;
    recent.limit = kUsualDurationHistory;
    input.usualDurations = core::usualDurations(store_.history(recent));
    for (const auto& view : schedules())
        input.schedules[{view.record.app, view.record.identifier}] = {view.schedule, view.record.state};
    return out;
}

} // namespace bgtask::service
