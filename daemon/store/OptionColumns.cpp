// SPDX-License-Identifier: LGPL-2.1-or-later
#include "OptionColumns.h"

#include "Statement.h"

#include "../core/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace bgtask::store {

namespace {

constexpr char kResourceSeparator = ';';

[[noreturn]] void fail(const std::string& text)
{
    throw core::Error(core::ErrorCode::Internal, "store-failed", text);
}

std::optional<std::string> joinResources(const std::optional<std::vector<std::string>>& list)
{
    if (!list)
        return std::nullopt;
    std::string joined;
    for (const std::string& name : *list) {
        // [""] would read back as [] and "a;b" as two names: refuse rather than corrupt.
        if (name.empty() || name.find(kResourceSeparator) != std::string::npos)
            fail("cannot store required resource '" + name + "'");
        if (!joined.empty())
            joined += kResourceSeparator;
        joined += name;
    }
    return joined;
}

std::vector<std::string> splitResources(std::string_view joined)
{
    std::vector<std::string> list;
    if (joined.empty())
        return list;
    for (std::size_t start = 0;;) {
        const std::size_t end = joined.find(kResourceSeparator, start);
        list.emplace_back(joined.substr(start, end - start));
        if (end == std::string_view::npos)
            return list;
        start = end + 1;
    }
}

template <typename Enum>
std::optional<std::string_view> spelling(const std::optional<Enum>& value)
{
    if (!value)
        return std::nullopt;
    return core::toString(*value);
}

// The core's parsers reject with InvalidArgument, which is the app's fault; a bad value in the
// database is ours.
template <typename Parse>
auto parseColumn(const Statement& stmt, int column, std::string_view name, Parse parse)
    -> std::optional<decltype(parse(std::string_view()))>
{
    if (stmt.isNull(column))
        return std::nullopt;
    const std::string text = stmt.textAt(column);
    try {
        return parse(text);
    } catch (const core::Error&) {
        fail("unknown " + std::string(name) + " '" + text + "' in the database");
    }
}

std::optional<core::TimePoint> timeAt(const Statement& stmt, int column)
{
    if (stmt.isNull(column))
        return std::nullopt;
    return core::fromUsec(stmt.int64At(column));
}

std::optional<std::int64_t> usecOf(const std::optional<core::Duration>& span)
{
    if (!span)
        return std::nullopt;
    return span->count();
}

std::optional<core::Duration> spanAt(const Statement& stmt, int column)
{
    if (stmt.isNull(column))
        return std::nullopt;
    return core::Duration{stmt.int64At(column)};
}

} // namespace

void bindOptions(Statement& stmt, int first, const core::RequestOptions& options)
{
    const std::optional<std::string> resources = joinResources(options.requiredResources);
    std::optional<std::int64_t> earliestBegin;
    if (options.earliestBeginDate)
        earliestBegin = core::toUsec(*options.earliestBeginDate);

    stmt.bind(first, earliestBegin)
        .bind(first + 1, options.requiresNetworkConnectivity)
        .bind(first + 2, options.requiresExternalPower)
        .bind(first + 3, spelling(options.protectionTypeOfRequiredData))
        .bind(first + 4, std::optional<std::string>(options.title))
        .bind(first + 5, std::optional<std::string>(options.subtitle))
        .bind(first + 6, spelling(options.strategy))
        .bind(first + 7, resources)
        .bind(first + 8, spelling(options.networkType))
        .bind(first + 9, options.requiresBatteryNotLow);
}

core::RequestOptions readOptions(const Statement& stmt, int first)
{
    core::RequestOptions options;
    options.earliestBeginDate = timeAt(stmt, first);
    options.requiresNetworkConnectivity = stmt.optionalBoolAt(first + 1);
    options.requiresExternalPower = stmt.optionalBoolAt(first + 2);
    options.protectionTypeOfRequiredData =
        parseColumn(stmt, first + 3, "protection", core::parseProtection);
    options.title = stmt.optionalTextAt(first + 4);
    options.subtitle = stmt.optionalTextAt(first + 5);
    options.strategy = parseColumn(stmt, first + 6, "strategy", core::parseStrategy);
    if (!stmt.isNull(first + 7))
        options.requiredResources = splitResources(stmt.textAt(first + 7));
    options.networkType = parseColumn(stmt, first + 8, "network type", core::parseNetworkType);
    options.requiresBatteryNotLow = stmt.optionalBoolAt(first + 9);
    return options;
}

void bindScheduleOptions(Statement& stmt, int first, const core::RequestOptions& options)
{
    stmt.bind(first, usecOf(options.repeatInterval))
        .bind(first + 1, usecOf(options.flex))
        .bind(first + 2, usecOf(options.randomizedDelay))
        .bind(first + 3, usecOf(options.backoffDelay))
        .bind(first + 4, usecOf(options.maxBackoffDelay));
}

void readScheduleOptions(const Statement& stmt, int first, core::RequestOptions& options)
{
    options.repeatInterval = spanAt(stmt, first);
    options.flex = spanAt(stmt, first + 1);
    options.randomizedDelay = spanAt(stmt, first + 2);
    options.backoffDelay = spanAt(stmt, first + 3);
    options.maxBackoffDelay = spanAt(stmt, first + 4);
}

} // namespace bgtask::store
