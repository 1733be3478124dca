// SPDX-License-Identifier: LGPL-2.1-or-later
// Store: the learned usage patterns of refresh timed to usage (schema v7).
#include "Store.h"

#include "Database.h"
#include "Statement.h"

#include "../core/Error.h"

#include <cstdio>
#include <sstream>

namespace bgtask::store {

namespace {

constexpr std::string_view kSelectPatterns = "SELECT app, opens, decayed_at, weights, minutes FROM usage_patterns";
constexpr std::string_view kUpsertPattern =
    "INSERT INTO usage_patterns (app, opens, decayed_at, weights, minutes) VALUES (?1, ?2, ?3, ?4, ?5)"
    " ON CONFLICT (app) DO UPDATE SET opens = ?2, decayed_at = ?3, weights = ?4, minutes = ?5";
constexpr std::string_view kDeletePattern = "DELETE FROM usage_patterns WHERE app = ?1";

// %.17g reads back to the same double.
std::string joined(const std::array<double, core::kHoursPerWeek>& values)
{
    std::string text;
    char number[32];
    for (const double v : values) {
        std::snprintf(number, sizeof number, text.empty() ? "%.17g" : " %.17g", v);
        text += number;
    }
    return text;
}

std::array<double, core::kHoursPerWeek> split(const std::string& text, const std::string& app)
{
    std::array<double, core::kHoursPerWeek> values{};
    std::istringstream in(text);
    for (double& v : values) {
        if (!(in >> v) || v < 0)
            throw core::Error(core::ErrorCode::Internal, "store-corrupt",
                              "the usage pattern of " + app + " does not hold 168 numbers");
    }
    return values;
}

} // namespace

std::map<std::string, core::UsagePattern, std::less<>> Store::loadUsagePatterns()
{
    std::map<std::string, core::UsagePattern, std::less<>> patterns;
    Statement stmt = db_->prepare(kSelectPatterns);
    while (stmt.step()) {
        const std::string app = stmt.textAt(0);
        core::UsagePattern pattern;
        pattern.opens = stmt.int64At(1);
        pattern.decayedAt = core::fromUsec(stmt.int64At(2));
        pattern.weight = split(stmt.textAt(3), app);
        pattern.minutes = split(stmt.textAt(4), app);
        patterns.emplace(app, pattern);
    }
    return patterns;
}

void Store::saveUsagePattern(std::string_view app, const core::UsagePattern& pattern)
{
    db_->cached(kUpsertPattern)
        .bind(1, app)
        .bind(2, pattern.opens)
        .bind(3, core::toUsec(pattern.decayedAt))
        .bind(4, joined(pattern.weight))
        .bind(5, joined(pattern.minutes))
        .run();
}

bool Store::deleteUsagePattern(std::string_view app)
{
    db_->cached(kDeletePattern).bind(1, app).run();
    return db_->changes() > 0;
}

} // namespace bgtask::store
