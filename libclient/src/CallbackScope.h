// SPDX-License-Identifier: LGPL-2.1-or-later
// Marks the calling thread as running one of the library's bus callbacks (a launch, an expiration,
// an asynchronous reply, a signal), so that the scheduler can tell "called from the loop thread"
// even on a connection whose loop the app runs.
#pragma once

namespace bgtask::detail {

class CallbackScope {
public:
    CallbackScope() noexcept { ++depth(); }
    ~CallbackScope() { --depth(); }
    CallbackScope(const CallbackScope&) = delete;
    CallbackScope& operator=(const CallbackScope&) = delete;

    static bool active() noexcept { return depth() > 0; }

private:
    static int& depth() noexcept
    {
        static thread_local int value = 0;
        return value;
    }
};

} // namespace bgtask::detail
