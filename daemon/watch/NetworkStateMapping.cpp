// SPDX-License-Identifier: LGPL-2.1-or-later
#include "NetworkStateMapping.h"

namespace bgtask::watch {
namespace {

constexpr std::uint32_t kStateAsleep = 10;
constexpr std::uint32_t kStateDisconnected = 20;

std::optional<core::Connectivity> connectivityOf(const NetworkProperties& p)
{
    using core::Connectivity;
    switch (p.connectivity.value_or(0)) {
    case 1: return Connectivity::None;
    case 2: return Connectivity::Portal;
    case 3: return Connectivity::Limited;
    case 4: return Connectivity::Full;
    default: break;
    }
    if (p.state == kStateAsleep || p.state == kStateDisconnected)
        return Connectivity::None;
    return std::nullopt;
}

std::optional<bool> meteredOf(const NetworkProperties& p)
{
    switch (p.metered.value_or(0)) {
    case 1:
    case 3: return true;
    case 2:
    case 4: return false;
    default: return std::nullopt;
    }
}

} // namespace

NetworkView mapNetwork(const NetworkProperties& properties)
{
    return {connectivityOf(properties), meteredOf(properties)};
}

} // namespace bgtask::watch
