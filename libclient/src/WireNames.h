// SPDX-License-Identifier: LGPL-2.1-or-later
// The inverses of the public toString() functions for option values, used by the decoders.
// nullopt for a spelling this library does not know (a newer daemon's).
#pragma once

#include <bgtask/TaskRequest.h>

#include <optional>
#include <string_view>

namespace bgtask::detail {

std::optional<NetworkType> networkTypeFromString(std::string_view name) noexcept;
std::optional<ProtectionType> protectionTypeFromString(std::string_view name) noexcept;
std::optional<SubmissionStrategy> strategyFromString(std::string_view name) noexcept;

} // namespace bgtask::detail
