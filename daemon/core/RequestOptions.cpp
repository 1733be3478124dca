// SPDX-License-Identifier: LGPL-2.1-or-later
#include "RequestOptions.h"

#include "Error.h"

#include <string>

namespace bgtask::core {

namespace {

constexpr NetworkType kAllNetworkTypes[] = {NetworkType::Any, NetworkType::Connected,
                                            NetworkType::Unmetered};
constexpr Protection kAllProtections[] = {Protection::None, Protection::Complete,
                                          Protection::CompleteUnlessOpen,
                                          Protection::CompleteUntilFirstUserAuthentication};
constexpr Strategy kAllStrategies[] = {Strategy::Queue, Strategy::Fail};

// The parsers only see the value, not the key it came under, so each names the D-Bus option
// it serves; the message lists every accepted spelling so the app developer can fix the call.
template <typename Enum, std::size_t N>
Enum parseEnum(std::string_view s, const Enum (&all)[N], std::string_view optionName)
{
    std::string allowed;
    for (Enum v : all) {
        if (toString(v) == s)
            return v;
        if (!allowed.empty())
            allowed += ", ";
        allowed += toString(v);
    }
    throw Error(ErrorCode::InvalidArgument, "out-of-range",
                std::string(optionName) + " must be one of " + allowed + ", not '" + std::string(s) +
                    "'");
}

} // namespace

std::string_view toString(NetworkType v)
{
    switch (v) {
    case NetworkType::Any: return "any";
    case NetworkType::Connected: return "connected";
    case NetworkType::Unmetered: return "unmetered";
    }
    return "unknown";
}

// Apple's NSFileProtectionType values in the kebab case used on the bus.
std::string_view toString(Protection v)
{
    switch (v) {
    case Protection::None: return "none";
    case Protection::Complete: return "complete";
    case Protection::CompleteUnlessOpen: return "complete-unless-open";
    case Protection::CompleteUntilFirstUserAuthentication:
        return "complete-until-first-user-authentication";
    }
    return "unknown";
}

std::string_view toString(Strategy v)
{
    switch (v) {
    case Strategy::Queue: return "queue";
    case Strategy::Fail: return "fail";
    }
    return "unknown";
}

NetworkType parseNetworkType(std::string_view s)
{
    return parseEnum(s, kAllNetworkTypes, "NetworkType");
}

Protection parseProtection(std::string_view s)
{
    return parseEnum(s, kAllProtections, "ProtectionTypeOfRequiredData");
}

Strategy parseStrategy(std::string_view s)
{
    return parseEnum(s, kAllStrategies, "Strategy");
}

} // namespace bgtask::core
