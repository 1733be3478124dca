// SPDX-License-Identifier: LGPL-2.1-or-later
// BGTASK_EXPORT marks what libbgtask exports. The library is built with -fvisibility=hidden, so
// only classes and functions carrying this macro are part of its ABI.
#pragma once

#if defined(__GNUC__) || defined(__clang__)
#define BGTASK_EXPORT __attribute__((visibility("default")))
#else
#define BGTASK_EXPORT
#endif
