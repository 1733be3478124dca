// SPDX-License-Identifier: LGPL-2.1-or-later
// The "session" source: whether the user's session is locked, whether the user is idle and
// whether the user has logged in since boot, from logind on the system bus; and resume from
// sleep (PrepareForSleep(false)), passed on as StateSink::replan(). The user's session is the
// one bgtaskd runs in (GetSessionByPID) or, for a user service outside any session, the user's
// display session, else the user's first session. Follows logind's bus name like
// NetworkManagerSource. Owns its matches and proxies; borrows the connection and the sink.
#pragma once

#include "BusProperties.h"
#include "NameOwnerWatch.h"
#include "StateSource.h"

#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/IProxy.h>

#include <memory>
#include <optional>

#include <sys/types.h>

namespace bgtask::watch {

class LogindSource final : public StateSource {
public:
    // uid and pid name the user and the process whose session is looked for (getuid(), getpid()).
    LogindSource(sdbus::IConnection& systemBus, uid_t uid, pid_t pid);

    std::string_view name() const override { return "session"; }
    void start(StateSink& sink) override;

    struct View {
        std::optional<bool> sessionLocked;
        std::optional<bool> userIdle;
        std::optional<bool> userLoggedInSinceBoot;
        bool operator==(const View&) const = default;
    };

private:
    void onOwner(const std::string& owner);
    void readManager();
    void resolveSession();
    void readUser(const std::string& path, unsigned generation);
    void useSession(const std::string& path, unsigned generation);
    void onPropertiesChanged(sdbus::Message& message);
    void onManagerSignal(sdbus::Message& message);
    void publish();

    sdbus::IConnection& bus_;
    uid_t uid_;
    pid_t pid_;
    NameOwnerWatch owner_;
    StateSink* sink_ = nullptr;
    sdbus::Slot propertiesMatch_;
    sdbus::Slot managerMatch_;
    // Addressed to the current owner's unique name; replaced, never destroyed in their own replies.
    std::unique_ptr<sdbus::IProxy> manager_;
    std::unique_ptr<sdbus::IProxy> user_;
    std::unique_ptr<sdbus::IProxy> session_;
    std::string userPath_;
    std::string sessionPath_;
    unsigned generation_ = 0;    // of the session look-up; older answers are dropped
    bool resolved_ = false;      // the look-up finished: publishing now shows no half-known session
    bool seenUser_ = false;      // the user had a session at some point while bgtaskd ran
    std::optional<bool> managerIdle_;
    std::optional<bool> sessionLocked_;
    std::optional<bool> sessionIdle_;
    std::optional<View> published_;
};

} // namespace bgtask::watch
