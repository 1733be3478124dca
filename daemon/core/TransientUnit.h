// SPDX-License-Identifier: LGPL-2.1-or-later
// The pure parts of running an Exec= command in a transient systemd unit: the unit's name and
// the command's words (also what the spawner runs where systemd is not reachable). Standard
// library only; the launch layer builds the StartTransientUnit call from these.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bgtask::core {

// "bgtask-<app id>-<run id>.service" for a run's first unit, "bgtask-<app id>-<run id>-<n>.service"
// for its n-th (an app that left the bus before registering is started again for the same run,
// while its first unit may still be active or deactivating): every byte of the app id outside [A-Za-z0-9:_.] is
// written "\xNN" (systemd-escape's rule, so "-" only separates the parts), and a long app id
// is cut, never inside an escape, so that the name stays within systemd's 255 bytes. The run
// id and the attempt make the name unique, so a unit left from an earlier run or attempt never
// collides (systemd answers UnitExists for a name still loaded).
std::string transientUnitName(std::string_view appId, std::int64_t runId, int attempt = 1);

// The words of an Exec= line, split on whitespace (no shell, no quoting): the first is the
// absolute path of the program, all of them its argv. Empty for a blank line.
std::vector<std::string> execWords(std::string_view exec);

} // namespace bgtask::core
