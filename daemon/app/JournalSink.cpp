// SPDX-License-Identifier: LGPL-2.1-or-later
#include "JournalSink.h"

#include "service/Log.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace bgtask::app {

namespace {

// KEY=value, or for a value with a newline KEY, newline, its 64-bit little-endian size, value.
void appendField(std::string& out, std::string_view key, std::string_view value)
{
    out += key;
    if (value.find('\n') == std::string_view::npos) {
        out += '=';
        out += value;
    } else {
        out += '\n';
        auto size = static_cast<std::uint64_t>(value.size());
        for (int i = 0; i < 8; ++i, size >>= 8)
            out += static_cast<char>(size & 0xff);
        out += value;
    }
    out += '\n';
}

} // namespace

JournalSink::JournalSink(std::string socketPath)
    : socketPath_(std::move(socketPath))
    , fd_(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0))
{
}

JournalSink::~JournalSink()
{
    if (fd_ >= 0)
        ::close(fd_);
}

int JournalSink::priority(spdlog::level::level_enum level)
{
    switch (level) {
    case spdlog::level::critical: return 2;
    case spdlog::level::err: return 3;
    case spdlog::level::warn: return 4;
    case spdlog::level::info: return 6;
    default: return 7;
    }
}

void JournalSink::sink_it_(const spdlog::details::log_msg& msg)
{
    const std::string_view logger(msg.logger_name.data(), msg.logger_name.size());
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    std::string text;
    text.reserve(logger.size() + 2 + payload.size());
    text.append(logger).append(": ").append(payload);
    const auto prio = priority(msg.level);

    std::string datagram;
    appendField(datagram, "MESSAGE", text);
    appendField(datagram, "PRIORITY", std::to_string(prio));
    appendField(datagram, "SYSLOG_IDENTIFIER", "bgtaskd");
    appendField(datagram, "BGTASKD_LOGGER", logger);
    if (const auto* task = service::TaskLogScope::current()) {
        if (!task->app.empty())
            appendField(datagram, "BGTASK_APP", task->app);
        if (!task->identifier.empty())
            appendField(datagram, "BGTASK_IDENTIFIER", task->identifier);
        if (task->runId != 0)
            appendField(datagram, "BGTASK_RUN_ID", std::to_string(task->runId));
        if (!task->outcome.empty())
            appendField(datagram, "BGTASK_OUTCOME", task->outcome);
    }
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (fd_ >= 0 && socketPath_.size() < sizeof(address.sun_path)) {
        std::memcpy(address.sun_path, socketPath_.data(), socketPath_.size());
        const auto sent = ::sendto(fd_, datagram.data(), datagram.size(), MSG_NOSIGNAL | MSG_DONTWAIT,
                                   reinterpret_cast<const sockaddr*>(&address), sizeof(address));
        if (sent == static_cast<ssize_t>(datagram.size()))
            return;
    }
    // No journal socket, a full one (never block the daemon on logging), or a message too large
    // for one datagram: the stream with a prefix.
    std::fprintf(stderr, "<%d>%s\n", prio, text.c_str());
    std::fflush(stderr);
}

bool stderrIsJournal()
{
    const char* stream = std::getenv("JOURNAL_STREAM");
    if (!stream)
        return false;
    unsigned long long device = 0;
    unsigned long long inode = 0;
    if (std::sscanf(stream, "%llu:%llu", &device, &inode) != 2)
        return false;
    struct stat st {};
    if (::fstat(STDERR_FILENO, &st) != 0)
        return false;
    return st.st_dev == device && st.st_ino == inode;
}

} // namespace bgtask::app
