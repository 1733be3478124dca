// SPDX-License-Identifier: LGPL-2.1-or-later
// The measured window of one benchmark client process, shared by every client mode. The client
// says "ready" on stdout once it is connected and warmed up, then waits for the driver's line
// "go <start> <end>" (CLOCK_MONOTONIC nanoseconds, the same clock for every client), so all
// clients of a phase count calls over the same interval. Only calls that complete inside the
// window count; their latencies go back to the driver in a file, one nanosecond value per line.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace bgtask::bench {

using SteadyClock = std::chrono::steady_clock;   // CLOCK_MONOTONIC, as Python's time.monotonic_ns()

class Window {
public:
    // Announces "ready", reads the go line from stdin and sleeps until its start time.
    // Throws std::runtime_error when stdin closes or the line is malformed.
    static Window await();

    bool open(SteadyClock::time_point now) const { return now < end_; }
    SteadyClock::time_point end() const { return end_; }

    // A call that began at `begin` and completed at `done`; ignored when it completed too late.
    void record(SteadyClock::time_point begin, SteadyClock::time_point done);
    // A call that failed inside the window.
    void fail(SteadyClock::time_point done);

    // Writes the latencies to `file`, prints "done <calls> <errors>" on stdout and waits until the
    // driver closes stdin: the driver samples every client's CPU time after the window, and a
    // client that had exited by then would be missing from the sum.
    void report(const std::string& file) const;

private:
    explicit Window(SteadyClock::time_point end);

    SteadyClock::time_point end_;
    std::vector<std::int64_t> latenciesNs_;
    std::uint64_t errors_ = 0;
};

// Prints "ready" and flushes: the driver reads stdout line by line.
void announce(const std::string& line);

} // namespace bgtask::bench
