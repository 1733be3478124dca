// SPDX-License-Identifier: LGPL-2.1-or-later
// Watches every apps directory (<data dir>/bgtaskd/apps) with inotify, so that a manifest that a
// package installs, replaces or removes takes effect without SIGHUP. A directory that does not
// exist yet is watched through its nearest existing ancestor (only the creation of the next
// component on the way counts), and the watches are set up again before each reload, so that a
// package creating the directory is seen too. Owns the inotify fd, its event source and the
// debounce timer; borrows the loop.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

typedef struct sd_event_source sd_event_source;

namespace bgtask::app {

class EventLoop;

class ManifestWatch {
public:
    // changed runs on the loop once per burst of changes: `debounce` after the first event of
    // the burst (so a package writing many files costs one reload, and a steady stream of
    // events still cannot postpone it). Throws when inotify is unavailable altogether.
    ManifestWatch(EventLoop& loop, std::vector<std::filesystem::path> appsDirs, std::chrono::milliseconds debounce,
                  std::function<void()> changed);
    ~ManifestWatch();
    ManifestWatch(const ManifestWatch&) = delete;
    ManifestWatch& operator=(const ManifestWatch&) = delete;

private:
    // Adds (or keeps) a watch on each apps directory or its nearest existing ancestor; drops
    // the watches no longer needed.
    void arm();
    void readEvents();
    static int onReadable(sd_event_source*, int fd, std::uint32_t, void* self);
    static int onDebounce(sd_event_source*, std::uint64_t, void* self);

    std::vector<std::filesystem::path> appsDirs_;
    std::chrono::milliseconds debounce_;
    std::function<void()> changed_;
    int fd_ = -1;
    sd_event_source* io_ = nullptr;
    sd_event_source* timer_ = nullptr;
    bool timerArmed_ = false;
    // watch descriptor → the names whose creation there matters; "" for an apps directory
    // itself, where every change matters. Apps directories may share an ancestor.
    std::map<int, std::set<std::string>> watches_;
};

} // namespace bgtask::app
