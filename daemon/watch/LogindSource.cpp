// SPDX-License-Identifier: LGPL-2.1-or-later
#include "LogindSource.h"

#include "service/Log.h"

#include <sdbus-c++/Error.h>

namespace bgtask::watch {
namespace {

constexpr const char* kLogindName = "org.freedesktop.login1";
constexpr const char* kManagerPath = "/org/freedesktop/login1";
constexpr const char* kManagerInterface = "org.freedesktop.login1.Manager";
constexpr const char* kUserInterface = "org.freedesktop.login1.User";
constexpr const char* kSessionInterface = "org.freedesktop.login1.Session";

auto log()
{
    static auto l = service::logger("watch.session");
    return l;
}

std::string describe(const std::optional<bool>& b, const char* yes, const char* no, const char* what)
{
    return b ? (*b ? yes : no) : std::string(what) + " unknown";
}

} // namespace

LogindSource::LogindSource(sdbus::IConnection& systemBus, uid_t uid, pid_t pid)
    : bus_(systemBus), uid_(uid), pid_(pid),
      owner_(systemBus, kLogindName, [this](const std::string& o) { onOwner(o); })
{
}

void LogindSource::start(StateSink& sink)
{
    sink_ = &sink;
    try {
        propertiesMatch_ = bus_.addMatch(propertiesChangedRule(kLogindName, std::string(kManagerPath) + "/*", ""),
                                         [this](sdbus::Message& m) { onPropertiesChanged(m); });
        managerMatch_ = bus_.addMatch(std::string("type='signal',sender='") + kLogindName + "',path='" + kManagerPath +
                                          "',interface='" + kManagerInterface + "'",
                                      [this](sdbus::Message& m) { onManagerSignal(m); });
        owner_.start();
    } catch (const sdbus::Error& e) {
        log()->warn("Failed to watch logind: {}, session state unknown", e.getMessage());
        publish();
    }
}

void LogindSource::onOwner(const std::string& owner)
{
    session_.reset();
    user_.reset();
    manager_.reset();
    userPath_.clear();
    sessionPath_.clear();
    managerIdle_ = sessionLocked_ = sessionIdle_ = std::nullopt;
    resolved_ = false;
    ++generation_;
    if (owner.empty()) {
        log()->info("logind is not running");
        publish();
        return;
    }
    log()->info("logind is running as {}; looking for the session of uid {}", owner, uid_);
    manager_ = sdbus::createProxy(bus_, owner, kManagerPath);
    readManager();
    resolveSession();
}

void LogindSource::readManager()
{
    manager_->callMethodAsync("GetAll").onInterface(kPropertiesInterface).withTimeout(kBackendCallTimeout)
        .withArguments(kManagerInterface)
        .uponReplyInvoke([this](const sdbus::Error* error, const PropertyMap& properties) {
            if (error)
                log()->warn("Failed to read logind's properties: {}, ignoring", error->getMessage());
            managerIdle_ = error ? std::nullopt : propertyValue<bool>(properties, "IdleHint");
            publish();
        });
}

// GetSessionByPID fails for a user service, which runs outside any session: then the user's
// display session (or first session) through GetUser.
void LogindSource::resolveSession()
{
    const auto generation = ++generation_;
    resolved_ = false;
    manager_->callMethodAsync("GetSessionByPID").onInterface(kManagerInterface).withTimeout(kBackendCallTimeout)
        .withArguments(static_cast<std::uint32_t>(pid_))
        .uponReplyInvoke([this, generation](const sdbus::Error* error, const sdbus::ObjectPath& session) {
            if (generation != generation_)
                return;
            if (!error) {
                seenUser_ = true;
                user_.reset();
                userPath_.clear();
                useSession(session, generation);
                return;
            }
            log()->debug("No session for pid {} ({}); asking for the user's sessions", pid_, error->getName());
            manager_->callMethodAsync("GetUser").onInterface(kManagerInterface).withTimeout(kBackendCallTimeout)
                .withArguments(static_cast<std::uint32_t>(uid_))
                .uponReplyInvoke([this, generation](const sdbus::Error* userError, const sdbus::ObjectPath& user) {
                    if (generation != generation_)
                        return;
                    if (userError) {
                        log()->debug("No logind user for uid {}: {}", uid_, userError->getMessage());
                        user_.reset();
                        userPath_.clear();
                        useSession({}, generation);
                        return;
                    }
                    readUser(user, generation);
                });
        });
}

void LogindSource::readUser(const std::string& path, unsigned generation)
{
    userPath_ = path;
    user_ = sdbus::createProxy(bus_, owner_.owner(), path);
    user_->callMethodAsync("GetAll").onInterface(kPropertiesInterface).withTimeout(kBackendCallTimeout)
        .withArguments(kUserInterface)
        .uponReplyInvoke([this, generation](const sdbus::Error* error, const PropertyMap& properties) {
            if (generation != generation_)
                return;
            if (error) {
                log()->debug("Failed to read user {}: {}", userPath_, error->getMessage());
                useSession({}, generation);
                return;
            }
            std::string session;
            using Entry = sdbus::Struct<std::string, sdbus::ObjectPath>;
            if (const auto display = propertyValue<Entry>(properties, "Display"); display && display->get<1>() != "/")
                session = display->get<1>();
            else if (const auto all = propertyValue<std::vector<Entry>>(properties, "Sessions"); all && !all->empty())
                session = all->front().get<1>();
            // A lingering user exists without ever having logged in: only a session counts.
            if (!session.empty())
                seenUser_ = true;
            useSession(session, generation);
        });
}

void LogindSource::useSession(const std::string& path, unsigned generation)
{
    if (path != sessionPath_)
        log()->info("{}", path.empty() ? "The user has no session" : "Following session " + path);
    sessionPath_ = path;
    sessionLocked_ = sessionIdle_ = std::nullopt;
    if (path.empty()) {
        session_.reset();
        resolved_ = true;
        publish();
        return;
    }
    session_ = sdbus::createProxy(bus_, owner_.owner(), path);
    session_->callMethodAsync("GetAll").onInterface(kPropertiesInterface).withTimeout(kBackendCallTimeout)
        .withArguments(kSessionInterface)
        .uponReplyInvoke([this, generation](const sdbus::Error* error, const PropertyMap& properties) {
            if (generation != generation_)
                return;
            if (error)
                log()->warn("Failed to read session {}: {}, ignoring", sessionPath_, error->getMessage());
            sessionLocked_ = error ? std::nullopt : propertyValue<bool>(properties, "LockedHint");
            sessionIdle_ = error ? std::nullopt : propertyValue<bool>(properties, "IdleHint");
            resolved_ = true;
            publish();
        });
}

void LogindSource::onPropertiesChanged(sdbus::Message& message)
{
    if (!manager_ || message.getSender() != owner_.owner())
        return;
    const auto path = message.getPath();
    const auto change = readPropertiesChanged(message);
    if (path == kManagerPath && change.interface == kManagerInterface) {
        if (change.changed.contains("IdleHint"))
            managerIdle_ = propertyValue<bool>(change.changed, "IdleHint");
        if (change.invalidates("IdleHint"))
            readManager();
    } else if (path == sessionPath_ && change.interface == kSessionInterface) {
        if (change.changed.contains("LockedHint"))
            sessionLocked_ = propertyValue<bool>(change.changed, "LockedHint");
        if (change.changed.contains("IdleHint"))
            sessionIdle_ = propertyValue<bool>(change.changed, "IdleHint");
        if (change.invalidates("LockedHint") || change.invalidates("IdleHint"))
            resolveSession();
    } else if (path == userPath_ && change.interface == kUserInterface) {
        if (change.changed.contains("Display") || change.changed.contains("Sessions") ||
            change.invalidates("Display") || change.invalidates("Sessions"))
            resolveSession();
    }
    publish();
}

void LogindSource::onManagerSignal(sdbus::Message& message)
{
    if (!manager_ || message.getSender() != owner_.owner())
        return;
    const auto member = message.getMemberName();
    if (member == "PrepareForSleep") {
        bool sleeping = false;
        message >> sleeping;
        if (!sleeping) {
            log()->info("The system resumed from sleep; re-planning");
            sink_->replan();
        } else {
            log()->debug("The system is going to sleep");
        }
    } else if (member == "SessionNew" || member == "SessionRemoved" || member == "UserNew" || member == "UserRemoved") {
        log()->debug("logind {}; looking for the user's session again", member);
        resolveSession();
    }
}

void LogindSource::publish()
{
    View view;
    if (manager_) {
        if (!resolved_)
            return;   // the look-up publishes when it ends
        if (!sessionPath_.empty()) {
            view.sessionLocked = sessionLocked_;
            view.userIdle = sessionIdle_;
        } else {
            view.userIdle = managerIdle_;
        }
        view.userLoggedInSinceBoot = seenUser_;
    }
    if (published_ == view)
        return;
    log()->info("Session: {}, {}, {}", describe(view.sessionLocked, "locked", "unlocked", "lock"),
                describe(view.userIdle, "user idle", "user active", "idle"),
                describe(view.userLoggedInSinceBoot, "logged in since boot", "not logged in since boot", "login"));
    published_ = view;
    sink_->update(name(), [view](core::SystemState& s) {
        s.sessionLocked = view.sessionLocked;
        s.userIdle = view.userIdle;
        s.userLoggedInSinceBoot = view.userLoggedInSinceBoot;
    });
}

} // namespace bgtask::watch
