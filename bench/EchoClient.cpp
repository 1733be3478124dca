// SPDX-License-Identifier: LGPL-2.1-or-later
#include "EchoClient.h"

#include "EchoServer.h"
#include "Window.h"

#include <sdbus-c++/sdbus-c++.h>

#include <poll.h>

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <memory>

namespace bgtask::bench {
namespace {

const std::string kPayload = "x";

std::string echoOnce(sdbus::IProxy& proxy, const char* method)
{
    std::string reply;
    proxy.callMethod(method).onInterface(kEchoInterface).withArguments(kPayload).storeResultsTo(reply);
    return reply;
}

void runSync(sdbus::IProxy& proxy, const char* method, Window& window)
{
    for (auto now = SteadyClock::now(); window.open(now);) {
        const auto begin = now;
        try {
            echoOnce(proxy, method);
            now = SteadyClock::now();
            window.record(begin, now);
        } catch (const sdbus::Error& e) {
            now = SteadyClock::now();
            window.fail(now);
            std::cerr << "bgtaskd-bench-client: Failed to call Echo: " << e.what() << '\n';
        }
    }
}

// Keeps `depth` calls in flight on one thread; the replies are dispatched by processPendingRequest().
class Pipeline {
public:
    Pipeline(sdbus::IConnection& connection, sdbus::IProxy& proxy, const char* method, Window& window)
        : connection_(connection), proxy_(proxy), method_(method), window_(window)
    {
    }

    void run(unsigned depth)
    {
        for (unsigned i = 0; i < depth; ++i)
            send();
        // Calls still in flight at the end are abandoned after a grace second.
        const auto giveUp = window_.end() + std::chrono::seconds(1);
        while (inFlight_ > 0 && SteadyClock::now() < giveUp) {
            while (connection_.processPendingRequest()) {
            }
            if (inFlight_ > 0)
                waitForBus(giveUp);
        }
    }

private:
    void send()
    {
        const auto begin = SteadyClock::now();
        ++inFlight_;
        proxy_.callMethodAsync(method_).onInterface(kEchoInterface).withArguments(kPayload).uponReplyInvoke(
            [this, begin](const sdbus::Error* error, const std::string&) { onReply(begin, error); });
    }

    void onReply(SteadyClock::time_point begin, const sdbus::Error* error)
    {
        --inFlight_;
        const auto now = SteadyClock::now();
        if (error)
            window_.fail(now);
        else
            window_.record(begin, now);
        if (window_.open(now))
            send();
    }

    void waitForBus(SteadyClock::time_point giveUp)
    {
        const auto pd = connection_.getEventLoopPollData();
        const auto nowUs = std::chrono::duration_cast<std::chrono::microseconds>(
                               SteadyClock::now().time_since_epoch()).count();
        const auto giveUpUs = std::chrono::duration_cast<std::chrono::microseconds>(giveUp.time_since_epoch()).count();
        const auto deadlineUs = std::min<std::uint64_t>(pd.timeout_usec, static_cast<std::uint64_t>(giveUpUs));
        const auto waitUs = deadlineUs > static_cast<std::uint64_t>(nowUs) ? deadlineUs - static_cast<std::uint64_t>(nowUs) : 0;
        pollfd fd{pd.fd, pd.events, 0};
        ::poll(&fd, 1, static_cast<int>((waitUs + 999) / 1000));
    }

    sdbus::IConnection& connection_;
    sdbus::IProxy& proxy_;
    const char* method_;
    Window& window_;
    unsigned inFlight_ = 0;
};

} // namespace

int runEchoClient(const EchoOptions& options)
{
    auto connection = sdbus::createSessionBusConnection();
    auto proxy = sdbus::createProxy(*connection, kEchoBusName, kEchoObjectPath);
    if (options.mode == EchoMode::SyncLoop)
        connection->enterEventLoopAsync();
    const char* method = options.committed ? kEchoCommittedMethod : kEchoMethod;
    echoOnce(*proxy, method);   // warm-up: the server answers before anything is measured

    auto window = Window::await();
    if (options.mode == EchoMode::Pipelined)
        Pipeline(*connection, *proxy, method, window).run(std::max(options.depth, 1U));
    else
        runSync(*proxy, method, window);

    if (options.mode == EchoMode::SyncLoop)
        connection->leaveEventLoop();
    window.report(options.latencyFile);
    return 0;
}

} // namespace bgtask::bench
