// SPDX-License-Identifier: LGPL-2.1-or-later
// The desktop notifications of continued-processing tasks, through org.freedesktop.Notifications
// on the daemon's own bus; one notification per (app, identifier), replaced in place, never
// duplicated. Owns the proxy and the ids the notification service handed out; borrows the
// connection, which the daemon's event loop drives. Every call is asynchronous; without a
// notification service the notifications are skipped, never an error for the caller. A
// notification the user dismissed stays away until its task's state changes: from waiting to
// running or back, or the task ends (close). Every notification on screen is kept in a ledger
// (the store) until it is closed, so that those a crash left behind are closed at the next start.
#pragma once

#include "service/Effects.h"
#include "store/Store.h"

#include <sdbus-c++/IProxy.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace bgtask::launch {

class Notifier {
public:
    using CancelHandler = std::function<void(const std::string& app, const std::string& identifier)>;
    // Where the notifications on screen are kept across a crash: remember is called when the
    // notification service hands out an id, forget when that notification is gone. Either may
    // throw (a failing store): the notification is then only not kept, and that is logged.
    struct Ledger {
        std::function<void(const store::NotificationRecord&)> remember;
        std::function<void(const std::string& owner, std::uint32_t id)> forget;
    };
    // onCancel runs when the user presses a notification's Cancel button. leftOver are the
    // notifications the ledger still held at start (the daemon died with them on screen): those
    // the notification service that showed them still owns are closed, and all are forgotten.
    Notifier(sdbus::IConnection& connection, CancelHandler onCancel, Ledger ledger = {},
             std::vector<store::NotificationRecord> leftOver = {});
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
        std::string owner;                                   // the service that handed out id
        bool inFlight = false;                               // a Notify awaits its reply
        std::optional<service::TaskNotification> sent;      // content of the last Notify
        std::optional<service::TaskNotification> wanted;     // to send once the reply is in
        bool closeWanted = false;                            // close once the reply is in
        // Set when the user dismissed it: whether the task was waiting (queued) then. Shows in
        // that state are kept in `sent` but not sent.
        std::optional<bool> dismissedQueued;
    };

    void closeLeftOver(std::vector<store::NotificationRecord> leftOver);
    // The entry now shows notification id (0: none) of the service owner; keeps the ledger in step.
    void setId(const Key& key, Entry& entry, std::uint32_t id, const std::string& owner);
    void remember(const store::NotificationRecord& record);
    void forget(const std::string& owner, std::uint32_t id);
    void notify(const Key& key, const service::TaskNotification& notification);
    void notified(const Key& key, const sdbus::Error* error, std::uint32_t id);
    void closeNotification(std::uint32_t id);
    void actionInvoked(std::uint32_t id, const std::string& action);
    void notificationClosed(std::uint32_t id, std::uint32_t reason);
    std::map<Key, Entry>::iterator findById(std::uint32_t id);
    void failed(const char* what, const Key& key, const sdbus::Error& error);

    CancelHandler onCancel_;
    Ledger ledger_;
    std::unique_ptr<sdbus::IProxy> proxy_;
    std::unique_ptr<sdbus::IProxy> busProxy_;   // org.freedesktop.DBus, for the service's owner
    std::map<Key, Entry> entries_;
    bool failureReported_ = false;   // log one failure until a call succeeds again
};

} // namespace bgtask::launch
