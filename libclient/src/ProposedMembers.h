// SPDX-License-Identifier: LGPL-2.1-or-later
// D-Bus members libbgtask uses that an older bgtaskd lacks (they came with continued processing
// and policy), and the decoding of their answers. Every use degrades cleanly when bgtaskd answers
// UnknownMethod: progress and titles stay local, supported resources are the empty set, the
// refresh status is Available. They are called by name, not through the generated glue, so
// that the degraded path stays the same code.
#pragma once

#include <bgtask/Scheduler.h>

#include <string>
#include <vector>

namespace bgtask::detail::proposed {

// org.bgtaskd.Task1.UpdateProgress(x completedUnitCount, x totalUnitCount)
inline constexpr const char* kUpdateProgress = "UpdateProgress";
// org.bgtaskd.Task1.UpdateTitle(s title, s subtitle)
inline constexpr const char* kUpdateTitle = "UpdateTitle";
// org.bgtaskd.Scheduler1.GetSupportedResources() -> (as supported, a{ss} unavailable)
inline constexpr const char* kGetSupportedResources = "GetSupportedResources";
// org.bgtaskd.Scheduler1.GetBackgroundRefreshStatus() -> (s status)
inline constexpr const char* kGetBackgroundRefreshStatus = "GetBackgroundRefreshStatus";
// Handler1.Launch info keys for continued processing (s): the task's title and subtitle.
inline constexpr const char* kLaunchTitle = "Title";
inline constexpr const char* kLaunchSubtitle = "Subtitle";

} // namespace bgtask::detail::proposed

namespace bgtask::detail {

// ["gpu"] -> Resources::Gpu; names this library does not know are left out.
Resources decodeResources(const std::vector<std::string>& names);
// "available" | "denied" | "restricted"; an unknown value means background work is not
// available for a reason this library does not know, which is reported as Restricted.
BackgroundRefreshStatus decodeRefreshStatus(const std::string& status);

} // namespace bgtask::detail
