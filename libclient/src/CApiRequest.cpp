// SPDX-License-Identifier: LGPL-2.1-or-later
// The C API: task requests, over the bgtask::TaskRequest variant.
#include "CApi.h"
#include "Time.h"

#include <new>

using namespace bgtask;

namespace {

ProcessingTaskRequest* processing(bgtask_request* r)
{
    if (auto* p = std::get_if<ProcessingTaskRequest>(&r->request))
        return p;
    return std::get_if<HealthResearchTaskRequest>(&r->request);
}

const ProcessingTaskRequest* processing(const bgtask_request* r)
{
    return processing(const_cast<bgtask_request*>(r));
}

ContinuedProcessingTaskRequest* continued(bgtask_request* r)
{
    return std::get_if<ContinuedProcessingTaskRequest>(&r->request);
}

const ContinuedProcessingTaskRequest* continued(const bgtask_request* r)
{
    return std::get_if<ContinuedProcessingTaskRequest>(&r->request);
}

// Runs set on the part of the request it applies to: 0, or -1 when it does not apply.
template <typename Part, typename Set>
int apply(Part* part, Set&& set)
{
    if (part == nullptr)
        return -1;
    set(*part);
    return 0;
}

} // namespace

extern "C" {

bgtask_request* bgtask_request_new(bgtask_kind kind, const char* identifier)
{
    if (identifier == nullptr)
        return nullptr;
    try {
        switch (kind) {
        case BGTASK_KIND_APP_REFRESH: return new bgtask_request{AppRefreshTaskRequest{identifier}};
        case BGTASK_KIND_PROCESSING: return new bgtask_request{ProcessingTaskRequest{identifier}};
        case BGTASK_KIND_HEALTH_RESEARCH: {
            HealthResearchTaskRequest request;
            request.identifier = identifier;
            return new bgtask_request{std::move(request)};
        }
        case BGTASK_KIND_CONTINUED_PROCESSING: return new bgtask_request{ContinuedProcessingTaskRequest{identifier}};
        default: break;  // not a kind
        }
    } catch (const std::bad_alloc&) {
    }
    return nullptr;
}

bgtask_request* bgtask_request_copy(const bgtask_request* request)
{
    if (request == nullptr)
        return nullptr;
    try {
        return new bgtask_request{request->request};
    } catch (const std::bad_alloc&) {
        return nullptr;
    }
}

void bgtask_request_free(bgtask_request* request)
{
    delete request;
}

bgtask_kind bgtask_request_get_kind(const bgtask_request* request)
{
    return static_cast<bgtask_kind>(kindOf(request->request));
}

const char* bgtask_request_get_identifier(const bgtask_request* request)
{
    return identifierOf(request->request).c_str();
}

int bgtask_request_set_earliest_begin_date(bgtask_request* request, int64_t usec)
{
    std::visit([&](auto& r) { r.earliestBeginDate = detail::optionalFromMicros(usec); }, request->request);
    return 0;
}

int64_t bgtask_request_get_earliest_begin_date(const bgtask_request* request)
{
    const auto date = earliestBeginDateOf(request->request);
    return date ? detail::toMicros(*date) : 0;
}

int bgtask_request_set_requires_network_connectivity(bgtask_request* request, bool value)
{
    return apply(processing(request), [&](ProcessingTaskRequest& r) { r.requiresNetworkConnectivity = value; });
}

bool bgtask_request_get_requires_network_connectivity(const bgtask_request* request)
{
    const auto* r = processing(request);
    return r != nullptr && r->requiresNetworkConnectivity;
}

int bgtask_request_set_requires_external_power(bgtask_request* request, bool value)
{
    return apply(processing(request), [&](ProcessingTaskRequest& r) { r.requiresExternalPower = value; });
}

bool bgtask_request_get_requires_external_power(const bgtask_request* request)
{
    const auto* r = processing(request);
    return r != nullptr && r->requiresExternalPower;
}

int bgtask_request_set_network_type(bgtask_request* request, bgtask_network_type type)
{
    if (type < BGTASK_NETWORK_TYPE_DEFAULT || type > BGTASK_NETWORK_TYPE_UNMETERED)
        return -1;
    return apply(processing(request), [&](ProcessingTaskRequest& r) {
        if (type == BGTASK_NETWORK_TYPE_DEFAULT)
            r.networkType.reset();
        else
            r.networkType = static_cast<NetworkType>(type - 1);
    });
}

bgtask_network_type bgtask_request_get_network_type(const bgtask_request* request)
{
    const auto* r = processing(request);
    if (r == nullptr || !r->networkType)
        return BGTASK_NETWORK_TYPE_DEFAULT;
    return static_cast<bgtask_network_type>(static_cast<int>(*r->networkType) + 1);
}

int bgtask_request_set_requires_battery_not_low(bgtask_request* request, bool value)
{
    return apply(processing(request), [&](ProcessingTaskRequest& r) { r.requiresBatteryNotLow = value; });
}

bool bgtask_request_get_requires_battery_not_low(const bgtask_request* request)
{
    const auto* r = processing(request);
    return r != nullptr && r->requiresBatteryNotLow;
}

int bgtask_request_set_protection_type(bgtask_request* request, bgtask_protection_type type)
{
    if (type < BGTASK_PROTECTION_TYPE_DEFAULT || type > BGTASK_PROTECTION_TYPE_COMPLETE_UNTIL_FIRST_USER_AUTHENTICATION)
        return -1;
    return apply(std::get_if<HealthResearchTaskRequest>(&request->request), [&](HealthResearchTaskRequest& r) {
        if (type == BGTASK_PROTECTION_TYPE_DEFAULT)
            r.protectionTypeOfRequiredData.reset();
        else
            r.protectionTypeOfRequiredData = static_cast<ProtectionType>(type - 1);
    });
}

bgtask_protection_type bgtask_request_get_protection_type(const bgtask_request* request)
{
    const auto* r = std::get_if<HealthResearchTaskRequest>(&request->request);
    if (r == nullptr || !r->protectionTypeOfRequiredData)
        return BGTASK_PROTECTION_TYPE_DEFAULT;
    return static_cast<bgtask_protection_type>(static_cast<int>(*r->protectionTypeOfRequiredData) + 1);
}

int bgtask_request_set_title(bgtask_request* request, const char* title)
{
    return apply(continued(request), [&](ContinuedProcessingTaskRequest& r) { r.title = title ? title : ""; });
}

const char* bgtask_request_get_title(const bgtask_request* request)
{
    const auto* r = continued(request);
    return r ? r->title.c_str() : "";
}

int bgtask_request_set_subtitle(bgtask_request* request, const char* subtitle)
{
    return apply(continued(request), [&](ContinuedProcessingTaskRequest& r) { r.subtitle = subtitle ? subtitle : ""; });
}

const char* bgtask_request_get_subtitle(const bgtask_request* request)
{
    const auto* r = continued(request);
    return r ? r->subtitle.c_str() : "";
}

int bgtask_request_set_strategy(bgtask_request* request, bgtask_strategy strategy)
{
    if (strategy != BGTASK_STRATEGY_QUEUE && strategy != BGTASK_STRATEGY_FAIL)
        return -1;
    return apply(continued(request), [&](ContinuedProcessingTaskRequest& r) {
        r.strategy = strategy == BGTASK_STRATEGY_FAIL ? SubmissionStrategy::Fail : SubmissionStrategy::Queue;
    });
}

bgtask_strategy bgtask_request_get_strategy(const bgtask_request* request)
{
    const auto* r = continued(request);
    return r && r->strategy == SubmissionStrategy::Fail ? BGTASK_STRATEGY_FAIL : BGTASK_STRATEGY_QUEUE;
}

int bgtask_request_set_required_resources(bgtask_request* request, unsigned resources)
{
    return apply(continued(request),
                 [&](ContinuedProcessingTaskRequest& r) { r.requiredResources = static_cast<Resources>(resources); });
}

unsigned bgtask_request_get_required_resources(const bgtask_request* request)
{
    const auto* r = continued(request);
    return r ? static_cast<unsigned>(r->requiredResources) : BGTASK_RESOURCES_DEFAULT;
}

} // extern "C"

static_assert(static_cast<int>(NetworkType::Unmetered) + 1 == BGTASK_NETWORK_TYPE_UNMETERED);
static_assert(static_cast<int>(ProtectionType::CompleteUntilFirstUserAuthentication) + 1 ==
              BGTASK_PROTECTION_TYPE_COMPLETE_UNTIL_FIRST_USER_AUTHENTICATION);
static_assert(static_cast<int>(TaskKind::ContinuedProcessing) == BGTASK_KIND_CONTINUED_PROCESSING);
