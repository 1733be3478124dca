// SPDX-License-Identifier: LGPL-2.1-or-later
// Submit-time rules: what a manifest permits, which options apply to which kind, and Apple's
// per-app quotas. Each rule throws core::Error with its documented sub-reason.
#pragma once

#include "Limits.h"
#include "Manifest.h"
#include "TaskRequest.h"

#include <span>

namespace bgtask::core {

// Identifier syntax, kind permitted by the manifest, identifier permitted (exact or wildcard),
// entitlements (health-research, gpu), options applicable to the kind, title required and
// bounded for continued processing, earliest begin date not negative, the bounds of the
// periodic and retry options (checkScheduleOptions in Schedule.h).
// Sub-reasons: bad-identifier, kind-not-permitted, not-in-manifest, entitlement-missing,
// option-not-applicable, missing-title, out-of-range.
void validateRequest(const Manifest& manifest, const TaskRequest& request);

// Apple's quotas over the app's pending requests: a request with the same identifier is
// replaced and so does not count. Throws TooManyPendingTaskRequests ("quota").
void checkQuota(std::span<const TaskRequest* const> pendingOfApp, const TaskRequest& incoming,
                const Limits& limits);

} // namespace bgtask::core
