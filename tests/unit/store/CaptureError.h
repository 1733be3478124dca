// SPDX-License-Identifier: LGPL-2.1-or-later
// captureError(f): runs f, expecting it to throw core::Error, and returns the error so that a
// test can check its code, sub-reason and sentence. Fails the test when nothing is thrown.
#pragma once

#include "core/Error.h"

#include <catch2/catch.hpp>

#include <optional>

namespace bgtask::store::test {

template <typename F>
core::Error captureError(F&& f)
{
    std::optional<core::Error> caught;
    try {
        f();
    } catch (const core::Error& e) {
        caught = e;
    }
    if (!caught)
        FAIL("expected a core::Error, nothing was thrown");
    return *caught;
}

} // namespace bgtask::store::test
