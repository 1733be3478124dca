// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ManifestWatch.h"

#include "EventLoop.h"

#include "service/Log.h"

#include <systemd/sd-event.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>

#include <sys/epoll.h>
#include <sys/inotify.h>
#include <unistd.h>

namespace bgtask::app {
namespace fs = std::filesystem;
namespace {

auto log() { static auto l = service::logger("daemon"); return l; }

// In an apps directory: a file written and closed, moved in or out, created (a symlink, say),
// removed or changed in its attributes; and the directory itself going away.
constexpr std::uint32_t kAppsDirMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE |
                                       IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
// In an ancestor of a missing apps directory: the next component appearing, or the ancestor
// going away.
constexpr std::uint32_t kAncestorMask = IN_CREATE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

std::uint64_t monotonicUsec()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000 + static_cast<std::uint64_t>(ts.tv_nsec) / 1000;
}

} // namespace

ManifestWatch::ManifestWatch(EventLoop& loop, std::vector<fs::path> appsDirs, std::chrono::milliseconds debounce,
                             std::function<void()> changed)
    : appsDirs_(std::move(appsDirs)), debounce_(debounce), changed_(std::move(changed))
{
    fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd_ < 0)
        throw std::runtime_error(std::string("Failed to create an inotify instance: ") + std::strerror(errno));
    if (sd_event_add_io(loop.raw(), &io_, fd_, EPOLLIN, &ManifestWatch::onReadable, this) < 0 ||
        sd_event_add_time(loop.raw(), &timer_, CLOCK_MONOTONIC, UINT64_MAX, 1000, &ManifestWatch::onDebounce,
                          this) < 0) {
        sd_event_source_unref(io_);
        close(fd_);
        throw std::runtime_error("Failed to add the manifest watch to the event loop");
    }
    sd_event_source_set_enabled(timer_, SD_EVENT_OFF);
    arm();
}

ManifestWatch::~ManifestWatch()
{
    sd_event_source_unref(timer_);
    sd_event_source_unref(io_);
    close(fd_);
}

void ManifestWatch::arm()
{
    // What to watch: each apps directory, else its nearest existing ancestor waiting there for
    // the next component of the way down ("" stands for the apps directory itself).
    std::map<fs::path, std::set<std::string>> targets;
    for (const auto& dir : appsDirs_) {
        fs::path at = dir;
        std::string next;
        std::error_code ec;
        while (!fs::is_directory(at, ec) && at.has_relative_path()) {
            next = at.filename().string();
            at = at.parent_path();
        }
        if (fs::is_directory(at, ec))
            targets[at].insert(next);
    }
    std::map<int, std::set<std::string>> wanted;
    for (const auto& [path, names] : targets) {
        // Two paths may be one directory (a symlink, a directory listed twice): one watch, whose
        // mask grows with IN_MASK_ADD rather than being replaced (extra events are filtered by
        // name in readEvents()).
        const std::uint32_t mask = names.contains("") ? kAppsDirMask : kAncestorMask;
        const int wd = inotify_add_watch(fd_, path.c_str(), mask | IN_MASK_ADD);
        if (wd < 0) {
            log()->warn("Failed to watch {} for manifests: {}; changes there are seen on SIGHUP only",
                        path.string(), std::strerror(errno));
            continue;
        }
        wanted[wd].insert(names.begin(), names.end());
    }
    for (const auto& [wd, names] : watches_)
        if (!wanted.contains(wd))
            inotify_rm_watch(fd_, wd);
    watches_ = std::move(wanted);
}

void ManifestWatch::readEvents()
{
    alignas(inotify_event) std::array<char, 4096> buffer{};
    bool relevant = false;
    for (;;) {
        const auto n = read(fd_, buffer.data(), buffer.size());
        if (n <= 0)
            break;   // EAGAIN: drained
        for (std::size_t offset = 0; offset < static_cast<std::size_t>(n);) {
            const auto* event = reinterpret_cast<const inotify_event*>(buffer.data() + offset);
            offset += sizeof(inotify_event) + event->len;
            if (event->mask & IN_Q_OVERFLOW) {
                relevant = true;   // events were lost: look at everything again
                continue;
            }
            const auto it = watches_.find(event->wd);
            if (it == watches_.end() || (event->mask & IN_IGNORED))
                continue;   // a watch removed on purpose, or its directory went (seen as *_SELF)
            const std::string name = event->len ? std::string(event->name) : std::string();
            relevant = relevant || (event->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) || it->second.contains("") ||
                       it->second.contains(name);
        }
    }
    if (relevant && !timerArmed_) {
        timerArmed_ = true;
        sd_event_source_set_time(timer_, monotonicUsec() + static_cast<std::uint64_t>(debounce_.count()) * 1000);
        sd_event_source_set_enabled(timer_, SD_EVENT_ONESHOT);
    }
}

int ManifestWatch::onReadable(sd_event_source*, int, std::uint32_t, void* self)
{
    static_cast<ManifestWatch*>(self)->readEvents();
    return 0;
}

int ManifestWatch::onDebounce(sd_event_source*, std::uint64_t, void* self)
{
    auto& watch = *static_cast<ManifestWatch*>(self);
    watch.timerArmed_ = false;
    try {
        // The watches first: whatever changes after this is seen, and read by a later reload.
        watch.arm();
        watch.changed_();
    } catch (const std::exception& e) {
        log()->error("Failed to reload the manifests: {}, ignoring", e.what());
    }
    return 0;
}

} // namespace bgtask::app
