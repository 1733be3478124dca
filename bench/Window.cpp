// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Window.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace bgtask::bench {
namespace {

SteadyClock::time_point fromNs(std::int64_t ns)
{
    return SteadyClock::time_point(std::chrono::duration_cast<SteadyClock::duration>(std::chrono::nanoseconds(ns)));
}

} // namespace

void announce(const std::string& line)
{
    std::cout << line << std::endl;
}

Window::Window(SteadyClock::time_point end) : end_(end)
{
    // Enough for a few seconds of pipelined echo without reallocating inside the window.
    latenciesNs_.reserve(1 << 18);
}

Window Window::await()
{
    announce("ready");
    std::string line;
    if (!std::getline(std::cin, line))
        throw std::runtime_error("stdin closed before the go line");
    std::istringstream in(line);
    std::string word;
    std::int64_t startNs = 0;
    std::int64_t endNs = 0;
    if (!(in >> word >> startNs >> endNs) || word != "go" || endNs <= startNs)
        throw std::runtime_error("malformed go line '" + line + "'");
    std::this_thread::sleep_until(fromNs(startNs));
    return Window(fromNs(endNs));
}

void Window::record(SteadyClock::time_point begin, SteadyClock::time_point done)
{
    if (done < end_)
        latenciesNs_.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(done - begin).count());
}

void Window::fail(SteadyClock::time_point done)
{
    if (done < end_)
        ++errors_;
}

void Window::report(const std::string& file) const
{
    std::ofstream out(file);
    for (const auto ns : latenciesNs_)
        out << ns << '\n';
    out.close();
    if (!out)
        throw std::runtime_error("cannot write latencies to " + file);
    announce("done " + std::to_string(latenciesNs_.size()) + " " + std::to_string(errors_));
    std::string line;
    while (std::getline(std::cin, line)) {
    }
}

} // namespace bgtask::bench
