// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Validation.h"

#include "Error.h"
#include "ManifestParser.h"
#include "Schedule.h"
#include "Utf8.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

namespace bgtask::core {

namespace {

// Which options each kind understands, as Apple's request classes define them. Scheduled kinds
// share BGProcessingTaskRequest's conditions (app refresh takes them too on Linux, where the
// planner, not usage prediction, decides); ProtectionTypeOfRequiredData belongs to health
// research; Title, Subtitle, Strategy and RequiredResources to continued processing, which
// also accepts EarliestBeginDate and ignores it, as Apple does.
struct OptionRule {
    const char* name;
    bool (*isSet)(const RequestOptions&);
    bool (*appliesTo)(TaskKind);
};

bool scheduled(TaskKind kind) { return isScheduledKind(kind); }
bool anyKind(TaskKind) { return true; }
bool healthResearchOnly(TaskKind kind) { return kind == TaskKind::HealthResearch; }
bool continuedOnly(TaskKind kind) { return kind == TaskKind::ContinuedProcessing; }

template <auto member>
bool isSet(const RequestOptions& options)
{
    return (options.*member).has_value();
}

constexpr OptionRule kOptionRules[] = {
    {"EarliestBeginDate", isSet<&RequestOptions::earliestBeginDate>, anyKind},
    {"RequiresNetworkConnectivity", isSet<&RequestOptions::requiresNetworkConnectivity>, scheduled},
    {"RequiresExternalPower", isSet<&RequestOptions::requiresExternalPower>, scheduled},
    {"NetworkType", isSet<&RequestOptions::networkType>, scheduled},
    {"RequiresBatteryNotLow", isSet<&RequestOptions::requiresBatteryNotLow>, scheduled},
    {"ProtectionTypeOfRequiredData", isSet<&RequestOptions::protectionTypeOfRequiredData>,
     healthResearchOnly},
    {"Title", isSet<&RequestOptions::title>, continuedOnly},
    {"Subtitle", isSet<&RequestOptions::subtitle>, continuedOnly},
    {"Strategy", isSet<&RequestOptions::strategy>, continuedOnly},
    {"RequiredResources", isSet<&RequestOptions::requiredResources>, continuedOnly},
    {"RepeatInterval", isSet<&RequestOptions::repeatInterval>, scheduled},
    {"Flex", isSet<&RequestOptions::flex>, scheduled},
    {"RandomizedDelay", isSet<&RequestOptions::randomizedDelay>, scheduled},
    {"BackoffDelay", isSet<&RequestOptions::backoffDelay>, scheduled},
    {"MaxBackoffDelay", isSet<&RequestOptions::maxBackoffDelay>, scheduled},
};

void checkOptionsApply(const TaskRequest& request)
{
    for (const auto& rule : kOptionRules) {
        if (rule.isSet(request.options) && !rule.appliesTo(request.kind))
            throw Error(ErrorCode::InvalidArgument, "option-not-applicable",
                        "option " + std::string(rule.name) + " does not apply to " +
                            std::string(toString(request.kind)) + " requests");
    }
}

// Apple's initializer takes a title and subtitle for the Live Activity; an untitled task could
// not be shown to the user, who must be able to see and cancel it. The bound is in bytes.
void checkTitles(const RequestOptions& options)
{
    if (!options.title || options.title->empty())
        throw Error(ErrorCode::InvalidArgument, "missing-title",
                    "continued-processing requests need a non-empty Title");
    const std::pair<const char*, const HeapOptional<std::string>*> texts[] = {
        {"Title", &options.title}, {"Subtitle", &options.subtitle}};
    for (const auto& [name, text] : texts) {
        if (*text && (*text)->size() > kMaxTitleLength)
            throw Error(ErrorCode::InvalidArgument, "out-of-range",
                        std::string(name) + " is " + std::to_string((*text)->size()) +
                            " bytes long, more than " + std::to_string(kMaxTitleLength));
    }
}

// Resources are an option set in Apple's API, so each may appear once; gpu needs the entitlement
// ("Background GPU Access"), and its absence is a permission problem, not a bad argument.
void checkResources(const Manifest& manifest, const std::vector<std::string>& resources)
{
    for (auto it = resources.begin(); it != resources.end(); ++it) {
        if (*it != kResourceGpu)
            throw Error(ErrorCode::InvalidArgument, "out-of-range",
                        "RequiredResources may only contain gpu, not '" + *it + "'");
        if (std::find(resources.begin(), it, *it) != it)
            throw Error(ErrorCode::InvalidArgument, "out-of-range",
                        "RequiredResources lists '" + *it + "' more than once");
    }
    if (!resources.empty() && !manifest.hasEntitlement(Entitlement::Gpu))
        throw Error(ErrorCode::NotPermitted, "entitlement-missing",
                    "app " + manifest.id +
                        " lacks the gpu entitlement that RequiredResources gpu needs");
}

std::string pendingCount(std::size_t count, const char* what)
{
    return std::to_string(count) + " pending " + what + (count == 1 ? " request" : " requests");
}

} // namespace

// The checks run in a fixed order so that one request always gets the same, most fundamental
// complaint: syntax, then the manifest (kind, identifier, entitlement), then the options.
void validateRequest(const Manifest& manifest, const TaskRequest& request)
{
    const auto& id = request.identifier;
    if (!isValidIdentifier(id))
        throw Error(ErrorCode::InvalidArgument, "bad-identifier",
                    "'" + excerpt(id) + "' is not a valid identifier (1-255 characters of A-Z a-z 0-9 _ - in "
                               "at least two non-empty dot-separated elements)");
    if (!manifest.kinds.contains(request.kind))
        throw Error(ErrorCode::NotPermitted, "kind-not-permitted",
                    "app " + manifest.id + " does not declare kind " +
                        std::string(toString(request.kind)));
    if (!manifest.permitsIdentifier(id, request.kind))
        throw Error(ErrorCode::NotPermitted, "not-in-manifest",
                    "app " + manifest.id + " does not permit identifier '" + id + "'");
    if (request.kind == TaskKind::HealthResearch &&
        !manifest.hasEntitlement(Entitlement::HealthResearch))
        throw Error(ErrorCode::NotPermitted, "entitlement-missing",
                    "app " + manifest.id + " lacks the health-research entitlement");

    checkOptionsApply(request);
    const auto& options = request.options;
    if (options.earliestBeginDate && toUsec(*options.earliestBeginDate) < 0)
        throw Error(ErrorCode::InvalidArgument, "out-of-range",
                    "EarliestBeginDate must not be negative");
    if (request.kind == TaskKind::ContinuedProcessing)
        checkTitles(options);
    if (options.requiredResources)
        checkResources(manifest, *options.requiredResources);
    checkScheduleOptions(options);
}

// Apple: at most 1 pending refresh and 10 pending processing requests per app. Health research
// is a processing request (a subclass in Apple's API), so it shares that budget. Continued
// processing is bounded by concurrency when it starts, not here. A same-identifier request is
// about to be replaced, so it does not take a slot.
void checkQuota(std::span<const TaskRequest* const> pendingOfApp, const TaskRequest& incoming,
                const Limits& limits)
{
    const auto inBudget = [&](TaskKind kind) {
        if (incoming.kind == TaskKind::AppRefresh)
            return kind == TaskKind::AppRefresh;
        return kind == TaskKind::Processing || kind == TaskKind::HealthResearch;
    };
    if (incoming.kind == TaskKind::ContinuedProcessing)
        return;
    const auto counted = [&](const TaskRequest* r) {
        return r->identifier != incoming.identifier && inBudget(r->kind);
    };
    const auto count = static_cast<std::size_t>(std::ranges::count_if(pendingOfApp, counted));
    const bool refresh = incoming.kind == TaskKind::AppRefresh;
    const auto limit = refresh ? limits.maxPendingAppRefresh : limits.maxPendingProcessing;
    if (count >= limit)
        throw Error(ErrorCode::TooManyPendingTaskRequests, "quota",
                    "app " + incoming.app + " already has " +
                        pendingCount(count, refresh ? "app-refresh" : "processing and health-research") +
                        " (limit " + std::to_string(limit) + ")");
}

} // namespace bgtask::core
