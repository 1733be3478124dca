// SPDX-License-Identifier: LGPL-2.1-or-later
// The desktop notifications of continued-processing tasks, through org.freedesktop.Notifications
// on the daemon's own bus; one notification per (app, identifier), replaced in place, never
// duplicated. Owns the proxy and the ids the notification service handed out; borrows the
// connection, which the daemon's event loop drives. Every call is asynchronous; without a
// notification service the notifications are skipped, never an error for the caller. A
// notification the user dismissed stays away until its task's state changes: from waiting to
// running or back, or the task ends (close).
#pragma once

#include "service/Effects.h"

#include <sdbus-c++/IProxy.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace bgtask::launch {

class Notifier {
public:
    using CancelHandler = std::function<void(const std::string& app, const std::string& identifier)>;
    // onCancel runs when the user presses a notification's Cancel button.
    Notifier(sdbus::IConnection& connection, CancelHandler onCancel);
    // Closes the notifications still shown (without waiting): nobody would answer their Cancel.
    ~Notifier();
    Notifier(const Notifier&) = delete;
    Notifier& operator=(const Notifier&) = delete;

    void show(const service::TaskNotification& notification);   // create or replace (replaces_id)
    void close(const std::string& app, const std::string& identifier);

private:
    using Key = std::pair<std::string, std::string>;   // (app, identifier)

    // The id is known only once Notify has answered; what is asked for meanwhile waits here.
    struct Entry {
        std::uint32_t id = 0;                                // 0: not shown (yet)
        bool inFlight = false;                               // a Notify awaits its reply
        std::optional<service::TaskNotification> sent;      // content of the last Notify
        std::optional<service::TaskNotification> wanted;     // to send once the reply is in
        bool closeWanted = false;                            // close once the reply is in
        // Set when the user dismissed it: whether the task was waiting (queued) then. Shows in
        // that state are kept in `sent` but not sent.
        std::optional<bool> dismissedQueued;
    };

    void notify(const Key& key, const service::TaskNotification& notification);
    void notified(const Key& key, const sdbus::Error* error, std::uint32_t id);
    void closeNotification(std::uint32_t id);
    void actionInvoked(std::uint32_t id, const std::string& action);
    void notificationClosed(std::uint32_t id, std::uint32_t reason);
    std::map<Key, Entry>::iterator findById(std::uint32_t id);
    void failed(const char* what, const Key& key, const sdbus::Error& error);

    CancelHandler onCancel_;
    std::unique_ptr<sdbus::IProxy> proxy_;
    std::map<Key, Entry> entries_;
    bool failureReported_ = false;   // log one failure until a call succeeds again
};

} // namespace bgtask::launch
