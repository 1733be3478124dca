// SPDX-License-Identifier: LGPL-2.1-or-later
// How Catch2 prints the store's values when a comparison fails, so that a failed round trip
// shows which field differs instead of "{?}".
#pragma once

#include "core/Fairness.h"
#include "core/Policy.h"
#include "core/Run.h"
#include "core/TaskRequest.h"

#include <catch2/catch.hpp>

#include <optional>
#include <sstream>
#include <string>

namespace bgtask::store::test {

// std::optional and the compact optionals of core/Compact.h alike.
template <typename Optional, typename Print>
std::string optionalText(const Optional& value, Print print)
{
    return value ? print(*value) : std::string("unset");
}

inline std::string timeText(core::TimePoint t)
{
    return std::to_string(core::toUsec(t)) + "us";
}

inline std::string describe(const core::RequestOptions& o)
{
    const auto boolText = [](bool b) { return std::string(b ? "true" : "false"); };
    const auto quoted = [](const std::string& s) { return '"' + s + '"'; };
    const auto name = [](auto v) { return std::string(core::toString(v)); };
    const auto list = [](const std::vector<std::string>& l) {
        std::string out = "[";
        for (const std::string& s : l)
            out += (out.size() > 1 ? ", \"" : "\"") + s + '"';
        return out + "]";
    };
    std::ostringstream out;
    out << "earliestBegin=" << optionalText(o.earliestBeginDate, timeText)
        << " network=" << optionalText(o.requiresNetworkConnectivity, boolText)
        << " power=" << optionalText(o.requiresExternalPower, boolText)
        << " protection=" << optionalText(o.protectionTypeOfRequiredData, name)
        << " title=" << optionalText(o.title, quoted)
        << " subtitle=" << optionalText(o.subtitle, quoted)
        << " strategy=" << optionalText(o.strategy, name)
        << " resources=" << optionalText(o.requiredResources, list)
        << " networkType=" << optionalText(o.networkType, name)
        << " batteryNotLow=" << optionalText(o.requiresBatteryNotLow, boolText);
    const auto span = [](core::Duration d) { return std::to_string(d.count()) + "us"; };
    out << " repeat=" << optionalText(o.repeatInterval, span) << " flex=" << optionalText(o.flex, span)
        << " randomized=" << optionalText(o.randomizedDelay, span)
        << " backoff=" << optionalText(o.backoffDelay, span)
        << " maxBackoff=" << optionalText(o.maxBackoffDelay, span);
    return out.str();
}

} // namespace bgtask::store::test

namespace Catch {

template <>
struct StringMaker<bgtask::core::TaskRequest> {
    static std::string convert(const bgtask::core::TaskRequest& r)
    {
        using namespace bgtask::store::test;
        return "{id=" + std::to_string(r.id) + " " + r.app + "/" + r.identifier + " " +
               std::string(bgtask::core::toString(r.kind)) + " submitted=" +
               timeText(r.submittedAt) + " " + describe(r.options) + "}";
    }
};

template <>
struct StringMaker<bgtask::core::RunRecord> {
    static std::string convert(const bgtask::core::RunRecord& r)
    {
        using namespace bgtask::store::test;
        const auto outcome = [](bgtask::core::Outcome o) {
            return std::string(bgtask::core::toString(o));
        };
        return "{run=" + std::to_string(r.runId) + " " + r.app + "/" + r.identifier + " " +
               std::string(bgtask::core::toString(r.kind)) + " started=" + timeText(r.startedAt) +
               " ended=" + optionalText(r.endedAt, timeText) +
               " outcome=" + optionalText(r.outcome, outcome) + " reason=\"" + r.reason +
               "\" simulated=" + (r.simulated ? "true" : "false") + "}";
    }
};

template <>
struct StringMaker<bgtask::core::Switches> {
    static std::string convert(const bgtask::core::Switches& s)
    {
        using namespace bgtask::store::test;
        const auto boolText = [](bool b) { return std::string(b ? "on" : "off"); };
        return "{refresh=" + optionalText(s.refresh, boolText) +
               " continued=" + optionalText(s.continued, boolText) + "}";
    }
};

template <>
struct StringMaker<bgtask::core::AppUsage> {
    static std::string convert(const bgtask::core::AppUsage& u)
    {
        using namespace bgtask::store::test;
        return "{runTime=" + std::to_string(u.runTime.count()) + "us terminations=" +
               std::to_string(u.terminations) + " lastLaunch=" +
               optionalText(u.lastLaunch, timeText) +
               " lastRefreshLaunch=" + optionalText(u.lastRefreshLaunch, timeText) + "}";
    }
};

} // namespace Catch
