// SPDX-License-Identifier: LGPL-2.1-or-later
// Everything an app needs from libbgtask: #include <bgtask/bgtask.h>.
#pragma once

#include <bgtask/Scheduler.h>
#include <bgtask/SchedulerError.h>
#include <bgtask/Task.h>
#include <bgtask/TaskKind.h>
#include <bgtask/TaskRequest.h>
