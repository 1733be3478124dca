// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Spawner.h"

#include "Pidfd.h"

#include "core/Error.h"
#include "core/TransientUnit.h"
#include "service/Log.h"

#include <systemd/sd-event.h>
#include <systemd/sd-journal.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <cstdlib>
#include <vector>

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

extern char** environ;

namespace bgtask::launch {
namespace {

auto log() { static auto l = service::logger("launch"); return l; }

// waitid's idtype for a pidfd (Linux 5.4); older C libraries do not name it.
constexpr int kIdTypePidfd = 3;
// close_range's flag that marks the descriptors close-on-exec instead of closing them (Linux 5.11).
constexpr unsigned kCloseRangeCloexec = 1U << 2;

[[noreturn]] void spawnError(const std::string& what)
{
    throw core::Error(core::ErrorCode::Internal, "exec-failed", what);
}

// Who the child becomes: resolved before fork (the lookups are not async-signal-safe).
struct Account {
    bool change = false;
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;
    std::string name;
    std::string home;
};

Account accountOf(const std::optional<std::string>& user)
{
    Account account;
    if (!user)
        return account;
    passwd pw{};
    passwd* found = nullptr;
    std::vector<char> buffer(16384);
    const bool numeric = user->find_first_not_of("0123456789") == std::string::npos;
    const int rc = numeric ? getpwuid_r(static_cast<uid_t>(std::stoul(*user)), &pw, buffer.data(), buffer.size(), &found)
                           : getpwnam_r(user->c_str(), &pw, buffer.data(), buffer.size(), &found);
    if (rc != 0 || !found)
        spawnError("User=" + *user + " is no account on this system");
    if (pw.pw_uid == geteuid())
        return account;   // already that user
    if (geteuid() != 0)
        spawnError("cannot run as User=" + *user + ": bgtaskd does not run as root");
    account.change = true;
    account.uid = pw.pw_uid;
    account.gid = pw.pw_gid;
    account.name = pw.pw_name;
    account.home = pw.pw_dir;
    int count = 64;
    account.groups.resize(static_cast<std::size_t>(count));
    if (getgrouplist(pw.pw_name, pw.pw_gid, account.groups.data(), &count) < 0) {
        account.groups.resize(static_cast<std::size_t>(count));
        getgrouplist(pw.pw_name, pw.pw_gid, account.groups.data(), &count);
    }
    account.groups.resize(static_cast<std::size_t>(count));
    return account;
}

// The child's environment: bgtaskd's, with USER, LOGNAME and HOME of the account it becomes.
std::vector<std::string> environmentFor(const Account& account)
{
    std::vector<std::string> env;
    for (char** e = environ; e && *e; ++e) {
        const std::string_view entry(*e);
        if (account.change && (entry.starts_with("USER=") || entry.starts_with("LOGNAME=") || entry.starts_with("HOME=")))
            continue;
        env.emplace_back(entry);
    }
    if (account.change) {
        env.push_back("USER=" + account.name);
        env.push_back("LOGNAME=" + account.name);
        env.push_back("HOME=" + account.home);
    }
    return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings)
{
    std::vector<char*> out;
    for (auto& s : strings)
        out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

// In the child, between fork and exec: only async-signal-safe calls. Reports errno through the
// close-on-exec pipe and exits on failure.
[[noreturn]] void becomeChild(int errorPipe, int in, int out, const Account& account, char** argv, char** envp)
{
    // Default dispositions first, then the empty mask: nothing arrives at a handler of ours.
    struct sigaction dfl{};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (int sig = 1; sig < NSIG; ++sig)
        if (sig != SIGKILL && sig != SIGSTOP)
            sigaction(sig, &dfl, nullptr);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    bool ok = setsid() >= 0 && dup2(in, STDIN_FILENO) >= 0 && dup2(out, STDOUT_FILENO) >= 0 &&
              dup2(out, STDERR_FILENO) >= 0 && chdir("/") == 0;
    // No descriptor of bgtaskd's (its database, its bus connection) reaches the command, even
    // one opened without O_CLOEXEC: only stdio survives the exec. Best effort (Linux 5.11).
    ::syscall(SYS_close_range, 3U, ~0U, kCloseRangeCloexec);
    if (ok && account.change)
        ok = setgroups(account.groups.size(), account.groups.data()) == 0 && setgid(account.gid) == 0 &&
             setuid(account.uid) == 0;
    if (ok)
        execve(argv[0], argv, envp);
    const int error = errno;
    [[maybe_unused]] const auto written = write(errorPipe, &error, sizeof error);
    _exit(127);
}

} // namespace

Spawner::Spawner(sd_event* loop, core::Duration killDelay) : loop_(loop), killDelay_(killDelay) {}

Spawner::~Spawner()
{
    for (auto& [pid, child] : children_) {
        sd_event_source_disable_unref(child.exitWatch);
        sd_event_source_disable_unref(child.killTimer);
        ::close(child.pidfd);
    }
}

int Spawner::spawn(const std::string& exec, const std::optional<std::string>& user, const std::string& tag)
{
    auto words = core::execWords(exec);
    if (words.empty())
        spawnError("empty Exec command");
    const auto account = accountOf(user);
    auto env = environmentFor(account);
    auto argv = pointers(words);
    auto envp = pointers(env);

    const int devNull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    const int journal = sd_journal_stream_fd(tag.c_str(), LOG_INFO, 1);
    if (journal >= 0)
        fcntl(journal, F_SETFD, FD_CLOEXEC);
    int errorPipe[2] = {-1, -1};
    if (devNull < 0 || pipe2(errorPipe, O_CLOEXEC) < 0) {
        const int error = errno;
        if (devNull >= 0)
            ::close(devNull);
        if (journal >= 0)
            ::close(journal);
        spawnError(std::string("cannot prepare the child: ") + std::strerror(error));
    }
    const pid_t pid = fork();
    if (pid == 0)
        becomeChild(errorPipe[1], devNull, journal >= 0 ? journal : devNull, account, argv.data(), envp.data());
    const int forkError = errno;
    // Our own unreaped child: its pid cannot be reused before we wait for it, so this pidfd is
    // that process.
    const int pidfd = pid > 0 ? pidfdOpen(pid) : -1;
    ::close(errorPipe[1]);
    ::close(devNull);
    if (journal >= 0)
        ::close(journal);
    int childError = 0;
    const bool failed = pid > 0 && ::read(errorPipe[0], &childError, sizeof childError) == sizeof childError;
    ::close(errorPipe[0]);
    if (pid < 0)
        spawnError(std::string("cannot fork: ") + std::strerror(forkError));
    if (failed || pidfd < 0) {
        if (pidfd >= 0)
            ::close(pidfd);
        int status = 0;
        ::waitpid(pid, &status, 0);
        spawnError("cannot run " + words.front() + ": " + std::strerror(failed ? childError : errno));
    }
    auto& child = children_[pid];
    child.pidfd = pidfd;
    child.tag = tag;
    if (sd_event_add_io(loop_, &child.exitWatch, pidfd, EPOLLIN, &Spawner::onExit, this) < 0)
        log()->warn("Failed to watch pid {} of {} for its exit; it is reaped when bgtaskd stops, ignoring", pid, tag);
    return pid;
}

bool Spawner::spawned(int pid) const
{
    // A live descendant of a child: follow parents through /proc (the children are unreaped,
    // so their pids are theirs; a walk from a live pid only meets live ancestors).
    for (int depth = 0; depth < 32 && pid > 1; ++depth) {
        if (children_.contains(pid))
            return true;
        const auto parent = procStatField(pid, 4);
        if (!parent)
            return false;
        pid = std::atoi(parent->c_str());
    }
    return false;
}

bool Spawner::terminate(int pid)
{
    const auto it = children_.find(pid);
    if (it == children_.end())
        return false;
    auto& child = it->second;
    if (pidfdSignal(child.pidfd, SIGTERM) < 0) {
        log()->warn("Failed to send SIGTERM to pid {} of {}: {}", pid, child.tag, std::strerror(errno));
        return false;
    }
    log()->info("Sent SIGTERM to pid {} ({}), started by bgtaskd", pid, child.tag);
    if (!child.killTimer)
        sd_event_add_time(loop_, &child.killTimer, CLOCK_MONOTONIC,
                          monotonicUsec() + static_cast<std::uint64_t>(killDelay_.count()), 1000,
                          &Spawner::onKillTimer, this);
    return true;
}

int Spawner::onKillTimer(sd_event_source* source, std::uint64_t, void* self)
{
    auto& spawner = *static_cast<Spawner*>(self);
    for (auto& [pid, child] : spawner.children_) {
        if (child.killTimer != source)
            continue;
        child.killTimer = sd_event_source_disable_unref(child.killTimer);
        if (pidfdExited(child.pidfd)) {
            log()->debug("Pid {} ({}) exited after SIGTERM (perhaps not reaped yet); no SIGKILL", pid, child.tag);
            return 0;
        }
        if (pidfdSignal(child.pidfd, SIGKILL) == 0)
            log()->warn("Pid {} ({}) did not exit within {} ms of SIGTERM; sent SIGKILL", pid, child.tag,
                        std::chrono::duration_cast<std::chrono::milliseconds>(spawner.killDelay_).count());
        return 0;
    }
    return 0;
}

int Spawner::onExit(sd_event_source* source, int fd, std::uint32_t, void* self)
{
    auto& spawner = *static_cast<Spawner*>(self);
    for (const auto& [pid, child] : spawner.children_)
        if (child.exitWatch == source && child.pidfd == fd) {
            spawner.reap(pid);
            break;
        }
    return 0;
}

void Spawner::reap(int pid)
{
    auto node = children_.extract(pid);
    auto& child = node.mapped();
    siginfo_t info{};
    const int rc = ::waitid(static_cast<idtype_t>(kIdTypePidfd), static_cast<id_t>(child.pidfd), &info,
                            WEXITED | WNOHANG);
    if (rc == 0 && info.si_pid == 0) {
        // Not yet (a spurious wakeup): keep watching.
        children_.insert(std::move(node));
        return;
    }
    if (rc < 0)   // reaped elsewhere (ECHILD): nothing left to wait for, and no wakeup loop
        log()->warn("Failed to reap pid {} ({}): {}, ignoring", pid, child.tag, std::strerror(errno));
    else if (info.si_code == CLD_EXITED)
        log()->info("Pid {} ({}) exited with status {}", pid, child.tag, info.si_status);
    else
        log()->info("Pid {} ({}) was ended by signal {}", pid, child.tag, info.si_status);
    sd_event_source_disable_unref(child.exitWatch);
    sd_event_source_disable_unref(child.killTimer);
    ::close(child.pidfd);
}

} // namespace bgtask::launch
