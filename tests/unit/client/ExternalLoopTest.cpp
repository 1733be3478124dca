// SPDX-License-Identifier: LGPL-2.1-or-later
// ExternalLoop's own descriptors, without a bus: wake() makes fd() readable until process() takes
// it, no wake-up is lost to a race with process(), and process() reads the wake descriptor only
// when something woke it (a read per call used to cost every reply of a chained submit a syscall).
#include "ExternalLoop.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdint>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <poll.h>

using bgtask::detail::ExternalLoop;

namespace {

bool readable(int fd, int timeoutMs = 0)
{
    pollfd pfd{fd, POLLIN, 0};
    return ::poll(&pfd, 1, timeoutMs) > 0 && (pfd.revents & POLLIN) != 0;
}

// Read-like system calls this thread has made (Linux task I/O accounting; failed reads count too).
std::uint64_t readCalls()
{
    std::ifstream io("/proc/thread-self/io");
    std::string key;
    std::uint64_t value = 0;
    while (io >> key >> value) {
        if (key == "syscr:")
            return value;
    }
    FAIL("no syscr in /proc/thread-self/io");
    return 0;
}

} // namespace

TEST_CASE("wake() makes the descriptor readable until process() takes it")
{
    ExternalLoop loop;
    CHECK_FALSE(readable(loop.fd()));
    loop.wake();
    CHECK(readable(loop.fd()));
    loop.wake();   // a second before process(): still one wake-up to take
    CHECK(readable(loop.fd()));
    loop.process();
    CHECK_FALSE(readable(loop.fd()));
    loop.wake();   // and the next one after it wakes again
    CHECK(readable(loop.fd()));
    loop.process();
    CHECK_FALSE(readable(loop.fd()));
}

TEST_CASE("process() reads the wake descriptor only after a wake()")
{
    ExternalLoop loop;
    // What reading the counter costs, so that only process()'s own reads remain.
    const auto a = readCalls();
    const auto b = readCalls();
    const auto overhead = b - a;

    constexpr int kIdle = 100;
    const auto before = readCalls();
    for (int i = 0; i < kIdle; ++i)
        loop.process();
    CHECK(readCalls() - before - overhead == 0);

    loop.wake();
    const auto woken = readCalls();
    loop.process();
    loop.process();
    CHECK(readCalls() - woken - overhead == 1);
    CHECK_FALSE(readable(loop.fd()));
}

TEST_CASE("Wakes from several threads at once make the descriptor readable, one process() takes them")
{
    ExternalLoop loop;
    constexpr int kThreads = 3;
    constexpr int kRounds = 500;
    std::atomic<int> round{0};
    std::atomic<int> woken{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&] {
            for (int r = 1; r <= kRounds; ++r) {
                while (round.load() < r)
                    std::this_thread::yield();
                loop.wake();
                woken.fetch_add(1);
            }
        });
    }
    int deaf = 0;
    int stuck = 0;
    for (int r = 1; r <= kRounds; ++r) {
        round.store(r);
        while (woken.load() < r * kThreads)
            std::this_thread::yield();
        if (!readable(loop.fd(), 5000))
            ++deaf;
        loop.process();
        if (readable(loop.fd()))
            ++stuck;
    }
    for (auto& thread : threads)
        thread.join();
    CHECK(deaf == 0);
    CHECK(stuck == 0);
}

TEST_CASE("Wakes racing with process() leave the loop neither readable for good nor deaf")
{
    // Threads wake() while the loop's thread polls and processes. Whatever the interleaving, once
    // they have stopped: a wake-up still outstanding is taken by the next process() (after which
    // the descriptor is quiet: an app's loop would otherwise spin), and the next wake() is seen.
    ExternalLoop loop;
    std::atomic<bool> stop{false};
    std::atomic<long> wakes{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t) {
        threads.emplace_back([&] {
            while (!stop.load()) {
                loop.wake();
                wakes.fetch_add(1);
            }
        });
    }
    long processed = 0;
    while (wakes.load() < 200000 || processed < 2000) {
        if (readable(loop.fd(), 100)) {
            loop.process();
            ++processed;
        }
    }
    stop.store(true);
    for (auto& thread : threads)
        thread.join();
    loop.process();
    CHECK_FALSE(readable(loop.fd()));
    loop.wake();
    CHECK(readable(loop.fd()));
    loop.process();
    CHECK_FALSE(readable(loop.fd()));
}
