// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Notifier.h"

#include "service/Log.h"

#include <sdbus-c++/Error.h>

#include <chrono>
#include <vector>

namespace bgtask::launch {
namespace {

constexpr const char* kService = "org.freedesktop.Notifications";
constexpr const char* kPath = "/org/freedesktop/Notifications";
constexpr const char* kInterface = "org.freedesktop.Notifications";
constexpr const char* kAppName = "bgtaskd";
constexpr const char* kCancelAction = "cancel";
constexpr std::uint32_t kDismissedByUser = 2;   // NotificationClosed's reason (specification 1.2)
// Notification services answer at once; a stuck one must not hold back the next update for long.
constexpr auto kCallTimeout = std::chrono::seconds(5);

auto log() { static auto l = service::logger("notify"); return l; }

std::string body(const service::TaskNotification& n)
{
    if (!n.queued)
        return n.subtitle;
    return n.subtitle.empty() ? std::string("Waiting to start") : n.subtitle + "\nWaiting to start";
}

std::map<std::string, sdbus::Variant> hints(const service::TaskNotification& n)
{
    std::map<std::string, sdbus::Variant> h{{"desktop-entry", n.app}, {"urgency", std::uint8_t{0}}};
    if (n.percent)
        h.emplace("value", std::int32_t{*n.percent});
    return h;
}

} // namespace

Notifier::Notifier(sdbus::IConnection& connection, CancelHandler onCancel, Ledger ledger,
                   std::vector<store::NotificationRecord> leftOver)
    : onCancel_(std::move(onCancel)), ledger_(std::move(ledger)), proxy_(sdbus::createProxy(connection, kService, kPath))
{
    // The match rules name the well-known name; the bus applies them to whoever owns it.
    proxy_->uponSignal("ActionInvoked").onInterface(kInterface).call(
        [this](std::uint32_t id, const std::string& action) { actionInvoked(id, action); });
    proxy_->uponSignal("NotificationClosed").onInterface(kInterface).call(
        [this](std::uint32_t id, std::uint32_t reason) { notificationClosed(id, reason); });
    proxy_->finishRegistration();
    if (!leftOver.empty()) {
        busProxy_ = sdbus::createProxy(connection, "org.freedesktop.DBus", "/org/freedesktop/DBus");
        busProxy_->finishRegistration();
        closeLeftOver(std::move(leftOver));
    }
}

void Notifier::closeLeftOver(std::vector<store::NotificationRecord> leftOver)
{
    // An id means something only to the service that handed it out: a service that has gone
    // since took its notifications with it, and a new one may have given the same ids to others.
    const auto closeAll = [this, leftOver](const sdbus::Error* error, const std::string& owner) {
        std::size_t closed = 0;
        for (const auto& record : leftOver) {
            if (!error && record.owner == owner) {
                closeNotification(record.id);
                ++closed;
            }
            forget(record.owner, record.id);
        }
        if (closed > 0)
            log()->info("Closing {} notification(s) the previous run of bgtaskd left on screen", closed);
        else
            log()->debug("The {} notification(s) the previous run left went with their service", leftOver.size());
    };
    try {
        busProxy_->callMethodAsync("GetNameOwner")
            .onInterface("org.freedesktop.DBus")
            .withTimeout(kCallTimeout)
            .withArguments(std::string(kService))
            .uponReplyInvoke(closeAll);
    } catch (const sdbus::Error& e) {
        log()->debug("Failed to ask for the owner of {}: {}, ignoring", kService, e.getMessage());
    }
}

void Notifier::setId(const Key& key, Entry& entry, std::uint32_t id, const std::string& owner)
{
    if (entry.id == id && entry.owner == owner)
        return;
    if (entry.id != 0)
        forget(entry.owner, entry.id);
    entry.id = id;
    entry.owner = id != 0 ? owner : std::string();
    if (id != 0)
        remember({owner, id, key.first, key.second});
}

void Notifier::remember(const store::NotificationRecord& record)
{
    if (!ledger_.remember)
        return;
    try {
        ledger_.remember(record);
    } catch (const std::exception& e) {
        log()->warn("Failed to keep notification {} of {}/{}: {}; a crash would leave it on screen",
                    record.id, record.app, record.identifier, e.what());
    }
}

void Notifier::forget(const std::string& owner, std::uint32_t id)
{
    if (!ledger_.forget)
        return;
    try {
        ledger_.forget(owner, id);
    } catch (const std::exception& e) {
        log()->warn("Failed to forget notification {}: {}", id, e.what());
    }
}

Notifier::~Notifier()
{
    for (const auto& [key, entry] : entries_) {
        if (entry.id == 0)
            continue;
        try {
            proxy_->callMethod("CloseNotification").onInterface(kInterface).withArguments(entry.id).dontExpectReply();
            forget(entry.owner, entry.id);
        } catch (const sdbus::Error& e) {
            // Kept in the ledger: the next start closes it.
            log()->debug("Failed to close notification {} of {}/{}: {}, ignoring", entry.id, key.first,
                         key.second, e.getMessage());
        }
    }
}

void Notifier::show(const service::TaskNotification& notification)
{
    const Key key{notification.app, notification.identifier};
    auto& entry = entries_[key];
    if (entry.inFlight) {
        entry.wanted = notification;
        entry.closeWanted = false;
        return;
    }
    if (entry.dismissedQueued) {
        if (*entry.dismissedQueued == notification.queued) {
            entry.sent = notification;   // respected: the user said no to this state
            return;
        }
        entry.dismissedQueued.reset();   // a new state: shown again, as a new notification
        setId(key, entry, 0, {});
    } else if (entry.sent == notification) {
        return;
    }
    notify(key, notification);
}

void Notifier::close(const std::string& app, const std::string& identifier)
{
    const auto it = entries_.find({app, identifier});
    if (it == entries_.end())
        return;
    if (it->second.inFlight) {
        it->second.wanted.reset();
        it->second.closeWanted = true;
        return;
    }
    if (it->second.id != 0)
        closeNotification(it->second.id);
    setId(it->first, it->second, 0, {});
    entries_.erase(it);
}

void Notifier::notify(const Key& key, const service::TaskNotification& n)
{
    auto& entry = entries_.at(key);
    entry.inFlight = true;
    entry.sent = n;
    const std::vector<std::string> actions{kCancelAction, "Cancel"};
    try {
        proxy_->callMethodAsync("Notify")
            .onInterface(kInterface)
            .withTimeout(kCallTimeout)
            .withArguments(std::string(kAppName), entry.id, std::string(), n.title, body(n), actions, hints(n), std::int32_t{0})
            .uponReplyInvoke([this, key](const sdbus::Error* error, std::uint32_t id) { notified(key, error, id); });
    } catch (const sdbus::Error& e) {
        // Not even sent (the connection is gone): nothing will answer.
        failed("show", key, e);
        entries_.erase(key);
    }
}

void Notifier::notified(const Key& key, const sdbus::Error* error, std::uint32_t id)
{
    const auto it = entries_.find(key);
    if (it == entries_.end())
        return;
    auto& entry = it->second;
    entry.inFlight = false;
    // The reply comes from the service's unique name, which the ids belong to.
    const auto* reply = proxy_->getCurrentlyProcessedMessage();
    const std::string owner = reply ? reply->getSender() : std::string();
    if (error) {
        failed("show", key, *error);
        entry.sent.reset();   // the same content may be tried again
    } else if (entry.dismissedQueued && entry.sent && *entry.dismissedQueued == entry.sent->queued) {
        // Dismissed while this replacement was on its way: the service made a new one.
        failureReported_ = false;
        closeNotification(id);
        setId(key, entry, 0, {});
    } else {
        failureReported_ = false;
        setId(key, entry, id, owner);
        log()->debug("Notification {} shows {}/{}", id, key.first, key.second);
    }
    if (entry.closeWanted) {
        if (entry.id != 0)
            closeNotification(entry.id);
        setId(key, entry, 0, {});
        entries_.erase(it);
    } else if (entry.wanted) {
        const auto next = std::move(*entry.wanted);
        entry.wanted.reset();
        show(next);   // through the dismissal's rule
    } else if (entry.id == 0 && !entry.dismissedQueued) {
        entries_.erase(it);   // nothing shown, nothing to replace
    }
}

void Notifier::closeNotification(std::uint32_t id)
{
    try {
        proxy_->callMethodAsync("CloseNotification")
            .onInterface(kInterface)
            .withTimeout(kCallTimeout)
            .withArguments(id)
            .uponReplyInvoke([this, id](const sdbus::Error* error) {
                if (error && !failureReported_) {
                    failureReported_ = true;
                    log()->debug("Failed to close notification {}: {}, ignoring", id, error->getMessage());
                }
            });
    } catch (const sdbus::Error& e) {
        log()->debug("Failed to close notification {}: {}, ignoring", id, e.getMessage());
    }
}

void Notifier::actionInvoked(std::uint32_t id, const std::string& action)
{
    if (action != kCancelAction)
        return;
    const auto it = findById(id);
    if (it == entries_.end())
        return;   // another program's notification, or one we closed already
    // The handler may close or show notifications: call it with a copy of the key.
    const auto key = it->first;
    log()->info("Cancel pressed on the notification of {}/{}", key.first, key.second);
    onCancel_(key.first, key.second);
}

void Notifier::notificationClosed(std::uint32_t id, std::uint32_t reason)
{
    const auto it = findById(id);
    if (it == entries_.end())
        return;
    log()->debug("Notification {} of {}/{} was closed (reason {})", id, it->first.first,
                 it->first.second, reason);
    setId(it->first, it->second, 0, {});   // gone from the screen
    if (reason == kDismissedByUser) {
        auto& entry = it->second;
        entry.dismissedQueued = entry.sent ? entry.sent->queued : false;
        return;
    }
    if (!it->second.inFlight)
        entries_.erase(it);  // a later show creates a new one; one in flight brings its new id
}

std::map<Notifier::Key, Notifier::Entry>::iterator Notifier::findById(std::uint32_t id)
{
    for (auto it = entries_.begin(); it != entries_.end(); ++it)
        if (id != 0 && it->second.id == id)
            return it;
    return entries_.end();
}

void Notifier::failed(const char* what, const Key& key, const sdbus::Error& error)
{
    if (failureReported_)
        return;
    failureReported_ = true;
    log()->debug("Failed to {} notification of {}/{}: {}, ignoring", what, key.first, key.second,
                 error.getMessage());
}

} // namespace bgtask::launch
