// SPDX-License-Identifier: LGPL-2.1-or-later
// The per-user instance's Authorizer: the session bus admits only the user's own processes, so
// every caller is the user and may observe and manage everything. Owns and borrows nothing.
#pragma once

#include "Authorizer.h"

namespace bgtask::bus {

class SessionAuthorizer final : public Authorizer {
public:
    void check(const AccessRequest&, Decision decision) override { decision(nullptr); }
};

} // namespace bgtask::bus
