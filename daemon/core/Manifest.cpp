// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Manifest.h"

#include "ManifestParser.h"

#include <algorithm>

namespace bgtask::core {

namespace {

constexpr Entitlement kAllEntitlements[] = {Entitlement::Gpu, Entitlement::HealthResearch};

// A wildcard entry "prefix.*" stands for identifiers the app invents per job (Apple replaces
// '*' with a unique suffix). The suffix must be non-empty, and the whole identifier must be
// valid: otherwise the literal "prefix.*" (or "prefix..") would match itself, which is the
// trap Apple's Register falls into (it accepts the wildcard, then submit aborts).
bool matchesWildcard(std::string_view identifier, std::string_view prefix)
{
    return identifier.size() > prefix.size() && identifier.starts_with(prefix) &&
           isValidIdentifier(identifier);
}

} // namespace

std::string_view toString(Entitlement e)
{
    switch (e) {
    case Entitlement::Gpu: return "gpu";
    case Entitlement::HealthResearch: return "health-research";
    }
    return "unknown";
}

std::optional<Entitlement> parseEntitlement(std::string_view s)
{
    for (Entitlement e : kAllEntitlements) {
        if (toString(e) == s)
            return e;
    }
    return std::nullopt;
}

// Exact entries serve every kind the manifest declares (Apple: one allow-list for all request
// types); wildcard entries exist only for continued processing, whose identifiers are minted
// per job.
bool Manifest::permitsIdentifier(std::string_view identifier, TaskKind kind) const
{
    if (std::find(identifiers.begin(), identifiers.end(), identifier) != identifiers.end())
        return true;
    if (kind != TaskKind::ContinuedProcessing)
        return false;
    return std::ranges::any_of(wildcardPrefixes, [&](const std::string& prefix) {
        return matchesWildcard(identifier, prefix);
    });
}

// Register does not say which kind a handler is for, so the question is whether any declared
// kind could use the identifier: wildcards count only when continued processing is declared.
bool Manifest::permitsAnyKind(std::string_view identifier) const
{
    if (std::find(identifiers.begin(), identifiers.end(), identifier) != identifiers.end())
        return true;
    return kinds.contains(TaskKind::ContinuedProcessing) &&
           permitsIdentifier(identifier, TaskKind::ContinuedProcessing);
}

const ManifestSchedule* Manifest::scheduleFor(std::string_view identifier) const
{
    const auto it = std::ranges::find(schedules, identifier, &ManifestSchedule::identifier);
    return it == schedules.end() ? nullptr : &*it;
}

} // namespace bgtask::core
