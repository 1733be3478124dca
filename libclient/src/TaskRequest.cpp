// SPDX-License-Identifier: LGPL-2.1-or-later
#include "bgtask/TaskRequest.h"

#include "WireNames.h"

#include <array>
#include <type_traits>
#include <utility>

namespace bgtask {
namespace {

constexpr std::array<std::pair<TaskKind, std::string_view>, 4> kKindNames{{
    {TaskKind::AppRefresh, "app-refresh"},
    {TaskKind::Processing, "processing"},
    {TaskKind::HealthResearch, "health-research"},
    {TaskKind::ContinuedProcessing, "continued-processing"},
}};

constexpr std::array<std::pair<NetworkType, std::string_view>, 3> kNetworkTypeNames{{
    {NetworkType::Any, "any"},
    {NetworkType::Connected, "connected"},
    {NetworkType::Unmetered, "unmetered"},
}};

constexpr std::array<std::pair<ProtectionType, std::string_view>, 4> kProtectionTypeNames{{
    {ProtectionType::None, "none"},
    {ProtectionType::Complete, "complete"},
    {ProtectionType::CompleteUnlessOpen, "complete-unless-open"},
    {ProtectionType::CompleteUntilFirstUserAuthentication, "complete-until-first-user-authentication"},
}};

constexpr std::array<std::pair<SubmissionStrategy, std::string_view>, 2> kStrategyNames{{
    {SubmissionStrategy::Queue, "queue"},
    {SubmissionStrategy::Fail, "fail"},
}};

template <typename Enum, std::size_t N>
std::string_view nameOf(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum value) noexcept
{
    for (const auto& [v, name] : table)
        if (v == value)
            return name;
    return {};
}

template <typename Enum, std::size_t N>
std::optional<Enum> valueOf(const std::array<std::pair<Enum, std::string_view>, N>& table,
                            std::string_view name) noexcept
{
    for (const auto& [v, n] : table)
        if (n == name)
            return v;
    return std::nullopt;
}

} // namespace

std::string_view toString(TaskKind kind) noexcept { return nameOf(kKindNames, kind); }
std::optional<TaskKind> taskKindFromString(std::string_view name) noexcept { return valueOf(kKindNames, name); }
std::string_view toString(NetworkType type) noexcept { return nameOf(kNetworkTypeNames, type); }
std::string_view toString(ProtectionType type) noexcept { return nameOf(kProtectionTypeNames, type); }
std::string_view toString(SubmissionStrategy strategy) noexcept { return nameOf(kStrategyNames, strategy); }

static_assert(std::is_same_v<std::variant_alternative_t<0, TaskRequest>, AppRefreshTaskRequest>);
static_assert(std::is_same_v<std::variant_alternative_t<1, TaskRequest>, ProcessingTaskRequest>);
static_assert(std::is_same_v<std::variant_alternative_t<2, TaskRequest>, HealthResearchTaskRequest>);
static_assert(std::is_same_v<std::variant_alternative_t<3, TaskRequest>, ContinuedProcessingTaskRequest>);
static_assert(static_cast<int>(TaskKind::ContinuedProcessing) == 3);

TaskKind kindOf(const TaskRequest& request) noexcept
{
    // The variant's alternatives are declared in TaskKind order.
    return static_cast<TaskKind>(request.index());
}

const std::string& identifierOf(const TaskRequest& request) noexcept
{
    return std::visit([](const auto& r) -> const std::string& { return r.identifier; }, request);
}

std::optional<TimePoint> earliestBeginDateOf(const TaskRequest& request) noexcept
{
    return std::visit([](const auto& r) { return r.earliestBeginDate; }, request);
}

namespace detail {

std::optional<NetworkType> networkTypeFromString(std::string_view name) noexcept
{
    return valueOf(kNetworkTypeNames, name);
}

std::optional<ProtectionType> protectionTypeFromString(std::string_view name) noexcept
{
    return valueOf(kProtectionTypeNames, name);
}

std::optional<SubmissionStrategy> strategyFromString(std::string_view name) noexcept
{
    return valueOf(kStrategyNames, name);
}

} // namespace detail
} // namespace bgtask
