// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Pidfd.h"

#include <ctime>
#include <fstream>
#include <iterator>
#include <sstream>

#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace bgtask::launch {

int pidfdOpen(int pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

int pidfdSignal(int pidfd, int signal)
{
    return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, signal, nullptr, 0));
}

bool pidfdExited(int pidfd)
{
    pollfd p{pidfd, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
}

std::optional<std::string> procStatField(int pid, int field)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = text.rfind(')');
    if (field < 3 || close == std::string::npos)
        return std::nullopt;
    std::istringstream fields(text.substr(close + 1));
    std::string value;
    for (int i = 3; i <= field; ++i)
        if (!(fields >> value))
            return std::nullopt;
    return value;
}

std::uint64_t monotonicUsec()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
}

} // namespace bgtask::launch
