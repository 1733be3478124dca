// SPDX-License-Identifier: LGPL-2.1-or-later
// Builders shared by the core's unit tests: a manifest that permits everything the tests ask
// for, requests of each kind, and readable time points. Tests change only what they exercise.
#pragma once

#include "core/Error.h"
#include "core/Manifest.h"
#include "core/TaskRequest.h"
#include "core/Time.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

namespace bgtask::core::test {

inline constexpr const char* kApp = "org.example.Feeds";
inline constexpr const char* kRefreshId = "org.example.Feeds.refresh";
inline constexpr const char* kExportPrefix = "org.example.Feeds.export.";

// 2026-11-28T10:00:00Z, the reference moment of the planner tests.
inline TimePoint referenceTime()
{
    using namespace std::chrono;
    return TimePoint{sys_days{year{2026} / November / 28} + hours{10}};
}

// All kinds and entitlements, one exact identifier and one continued-processing wildcard.
inline Manifest fullManifest()
{
    Manifest m;
    m.id = kApp;
    m.busName = kApp;
    m.identifiers = {kRefreshId};
    m.wildcardPrefixes = {kExportPrefix};
    m.kinds = {TaskKind::AppRefresh, TaskKind::Processing, TaskKind::HealthResearch,
               TaskKind::ContinuedProcessing};
    m.entitlements = {Entitlement::Gpu, Entitlement::HealthResearch};
    return m;
}

// A request the full manifest accepts: continued processing gets a wildcard identifier and
// the title it requires.
inline TaskRequest validRequest(TaskKind kind)
{
    TaskRequest r;
    r.app = kApp;
    r.kind = kind;
    r.identifier =
        kind == TaskKind::ContinuedProcessing ? std::string(kExportPrefix) + "job42" : kRefreshId;
    if (kind == TaskKind::ContinuedProcessing)
        r.options.title = "Exporting photos";
    return r;
}

// Runs f, checks that it throws core::Error with this code and sub-reason, and returns the
// full message for tests that also check the sentence.
template <typename F>
std::string requireError(F&& f, ErrorCode code, const std::string& subReason)
{
    try {
        f();
    } catch (const Error& e) {
        INFO("message: " << e.what());
        CHECK(e.code() == code);
        CHECK(e.subReason() == subReason);
        return e.what();
    }
    FAIL("expected " << subReason << ", but nothing was thrown");
    return {};
}

} // namespace bgtask::core::test
