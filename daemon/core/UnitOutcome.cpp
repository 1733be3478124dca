// SPDX-License-Identifier: LGPL-2.1-or-later
#include "UnitOutcome.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace bgtask::core {
namespace {

// The unit types StartUnit can start (devices and scopes cannot be).
constexpr std::array<std::string_view, 9> kUnitTypes = {
    "service", "socket", "target", "mount", "automount", "swap", "timer", "path", "slice"};

bool isEnded(std::string_view activeState)
{
    return activeState == "inactive" || activeState == "failed";
}

bool unitNameChar(char c)
{
    return std::isalnum(static_cast<unsigned char>(c)) || c == ':' || c == '_' || c == '.' ||
           c == '-' || c == '@' || c == '\\';
}

} // namespace

std::optional<UnitVerdict> unitVerdict(const UnitFacts& facts)
{
    if (!facts.jobResult || !isEnded(facts.activeState))
        return std::nullopt;
    const std::string cause = facts.result.empty() || facts.result == "success" ? "" : facts.result;
    if (facts.stopRequested) {
        if (facts.result == "timeout")
            return UnitVerdict{Outcome::Terminated, facts.expireReason, cause};
        return UnitVerdict{Outcome::Expired, facts.expireReason, cause};
    }
    const auto& job = *facts.jobResult;
    if (job != "done" && job != "failed")
        return UnitVerdict{Outcome::LaunchFailed, "unit-job-" + job, cause};
    if (facts.result == "success" || (facts.result.empty() && facts.activeState == "inactive"))
        return UnitVerdict{Outcome::Completed, "", ""};
    if (facts.result.empty())
        return UnitVerdict{Outcome::Failed, "failed", ""};
    return UnitVerdict{Outcome::Failed, facts.result, cause};
}

bool isValidUnitName(std::string_view name)
{
    if (name.empty() || name.size() > 255 || !std::all_of(name.begin(), name.end(), unitNameChar))
        return false;
    const auto dot = name.rfind('.');
    if (dot == std::string_view::npos || dot == 0)
        return false;
    const auto type = name.substr(dot + 1);
    if (std::find(kUnitTypes.begin(), kUnitTypes.end(), type) == kUnitTypes.end())
        return false;
    const auto prefix = name.substr(0, dot);
    if (prefix.front() == '-' || prefix.front() == '.')
        return false;
    const auto at = prefix.find('@');
    if (at == std::string_view::npos)
        return true;
    // "name@instance": one '@', something on both sides (a bare template cannot be started).
    return at > 0 && at + 1 < prefix.size() && prefix.find('@', at + 1) == std::string_view::npos;
}

std::string unitTypeInterface(std::string_view unitName)
{
    const auto dot = unitName.rfind('.');
    std::string type(dot == std::string_view::npos ? std::string_view{} : unitName.substr(dot + 1));
    if (!type.empty())
        type[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(type[0])));
    return "org.freedesktop.systemd1." + type;
}

} // namespace bgtask::core
