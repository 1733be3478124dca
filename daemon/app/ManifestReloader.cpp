// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ManifestReloader.h"

#include "service/Log.h"

#include <memory>
#include <utility>

namespace bgtask::app {
namespace {
auto log() { static auto l = service::logger("daemon"); return l; }
} // namespace

ManifestReloader::ManifestReloader(EventLoop& loop, service::ManifestRegistry& registry,
                                   std::function<void(const std::string&)> applied)
    : registry_(registry), applied_(std::move(applied)), worker_(loop, 1)
{
}

void ManifestReloader::request(std::string cause)
{
    if (inFlight_) {
        // What the reading in flight may have missed is read by the next one; the causes
        // of further requests until then are folded into it.
        if (again_.empty())
            again_ = std::move(cause);
        else if (again_.find(cause) == std::string::npos)
            again_ += ", " + cause;
        return;
    }
    start(std::move(cause));
}

void ManifestReloader::start(std::string cause)
{
    // The worker gets copies: the registry stays the loop's alone.
    auto scan = std::make_shared<service::ManifestScan>();
    scan->complete = false;   // until the worker has read everything: a throw leaves it so
    log()->debug("Reading the manifests off the loop ({})", cause);
    inFlight_ = worker_.run(
        [scan, dirs = registry_.dataDirs(), rules = registry_.rules()](const std::atomic<bool>& cancelled) {
            *scan = service::ManifestRegistry::scan(dirs, rules, [&cancelled] { return cancelled.load(); });
        },
        [this, scan, cause] {
            if (!scan->complete)
                log()->warn("Failed to read the manifests ({}); keeping the ones loaded", cause);
            inFlight_ = false;
            if (scan->complete) {
                registry_.apply(std::move(*scan));
                applied_(cause);
            }
            if (!again_.empty())
                start(std::exchange(again_, {}));
        });
}

} // namespace bgtask::app
