// SPDX-License-Identifier: LGPL-2.1-or-later
// An spdlog sink speaking the journal's native protocol: one datagram per message on the journal
// socket, with PRIORITY= from the message's level, SYSLOG_IDENTIFIER=bgtaskd, BGTASKD_LOGGER= the
// module, and the BGTASK_* fields of the task the message is about (service::TaskLogScope). When
// the socket cannot take a message at once (missing, full, too large), it goes to stderr with a <N> priority prefix instead, which
// the journal's stream reader understands too.
#pragma once

#include <spdlog/sinks/base_sink.h>

#include <mutex>
#include <string>

namespace bgtask::app {

class JournalSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    explicit JournalSink(std::string socketPath);
    ~JournalSink() override;
    JournalSink(const JournalSink&) = delete;
    JournalSink& operator=(const JournalSink&) = delete;

    // The journal's syslog priority of a level (debug 7 … critical 2).
    static int priority(spdlog::level::level_enum level);

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override;
    void flush_() override {}

private:
    std::string socketPath_;
    int fd_ = -1;
};

// Whether stderr is the journal: $JOURNAL_STREAM names stderr's device and inode (as systemd
// sets it for a service whose stderr is the journal).
bool stderrIsJournal();

} // namespace bgtask::app
