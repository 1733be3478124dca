// SPDX-License-Identifier: LGPL-2.1-or-later
// a{sv} <-> domain values: Submit options, Manager1 records and filters. Decoding is strict:
// unknown keys and wrong types are InvalidArgument errors with the key named.
#pragma once

#include "core/RequestOptions.h"
#include "core/SystemState.h"
#include "core/Run.h"
#include "service/TaskService.h"
#include "store/Store.h"

#include <sdbus-c++/Message.h>
#include <sdbus-c++/Types.h>

#include <map>
#include <string>

namespace bgtask::bus {

using Dict = std::map<std::string, sdbus::Variant>;

core::RequestOptions decodeOptions(const Dict& options);
// The same, read straight from a message positioned at Submit's a{sv}: an sdbus::Variant of
// sdbus-c++ 1.2 is a whole message of its own; reading the benchmark's one option through a
// Dict cost a submit about 6,700 instructions and 6 allocations more (callgrind). Accepts and
// refuses exactly what decodeOptions() does, with the same errors: the first of duplicate keys
// counts, and keys are judged in key order.
core::RequestOptions readOptions(sdbus::Message& message);
Dict encodeOptions(const core::RequestOptions& options);

store::HistoryFilter decodeHistoryFilter(const Dict& filter);

Dict encodeRequestView(const service::RequestView& view);
Dict encodeActiveRun(const service::ActiveRun& run);
Dict encodeRunRecord(const core::RunRecord& record);

// Manager1.Explain and Manager1.ListApps records.
Dict encodeExplanation(const service::Explanation& explanation);
// The explanation's state part, without its Schedule.
Dict encodeExplanationState(const service::Explanation& explanation);
Dict encodeAppView(const service::AppView& app);
Dict encodePolicyView(const service::PolicyView& policy);

// Manager1.Simulate: its options, strictly (Hours is range-checked by the service), and one
// event.
service::SimulateRequest decodeSimulateRequest(const Dict& options);
Dict encodeSimulationEvent(const core::SimulationEvent& event);

std::string taskObjectPath(std::int64_t runId);

// Manager1.SystemState: unknown fields are left out; sources maps each known key to the source
// that reported it.
Dict encodeSystemState(const core::SystemState& state, const std::map<std::string, std::string>& sources,
                       const std::vector<std::string>& disabledSources);

} // namespace bgtask::bus
