// SPDX-License-Identifier: LGPL-2.1-or-later
// Bus names, object paths and interface names of the bgtaskd D-Bus contract, shared by the
// daemon, libbgtask and the tests. Standard library only.
#pragma once

namespace bgtask::api {

inline constexpr const char* kBusName = "org.bgtaskd";
inline constexpr const char* kObjectPath = "/org/bgtaskd";
inline constexpr const char* kTaskPathPrefix = "/org/bgtaskd/task/";
inline constexpr const char* kHandlerPath = "/org/bgtaskd/Handler";

inline constexpr const char* kSchedulerInterface = "org.bgtaskd.Scheduler1";
inline constexpr const char* kManagerInterface = "org.bgtaskd.Manager1";
inline constexpr const char* kTaskInterface = "org.bgtaskd.Task1";
inline constexpr const char* kHandlerInterface = "org.bgtaskd.Handler1";

} // namespace bgtask::api
