// SPDX-License-Identifier: LGPL-2.1-or-later
// An LD_PRELOAD shim for the storage fault-injection tests: makes write and fsync calls on
// bgtaskd's database files fail as a full, read-only or failing disk would, while the test
// says so. Test builds only; the product never loads it.
//
// BGTASKD_FAULT_CONTROL names a file holding one word, read at every intercepted call:
//   none | enospc | erofs | eio (write, pwrite, pwrite64, writev fail with that errno) |
//   eio-fsync (fsync and fdatasync fail with EIO) |
//   stall (write, pwrite, pwrite64, writev, fsync and fdatasync wait until the word changes:
//   a disk that stops answering, which lets a test kill the daemon before a commit is written)
// With erofs, statvfs() of the database's files also reports a read-only mount (ST_RDONLY), as
// a file system remounted read-only would.
// Only descriptors whose path contains BGTASKD_FAULT_MATCH (default "bgtaskd.db", which also
// matches its -wal and -journal files) are affected; logging and the bus never are.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

enum Mode { kNone, kWriteErrno, kFsyncEio, kStall };

// The mode now and, for write faults, the errno to fail with. Uses raw syscalls only through
// libc functions this shim does not intercept (open, read, close).
static enum Mode currentMode(int* err)
{
    const char* control = getenv("BGTASKD_FAULT_CONTROL");
    if (control == NULL)
        return kNone;
    const int saved = errno;
    char word[32] = {0};
    const int fd = open(control, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        const ssize_t n = read(fd, word, sizeof word - 1);
        (void)n;
        close(fd);
    }
    errno = saved;
    word[strcspn(word, " \n")] = '\0';
    if (strcmp(word, "enospc") == 0) {
        *err = ENOSPC;
        return kWriteErrno;
    }
    if (strcmp(word, "erofs") == 0) {
        *err = EROFS;
        return kWriteErrno;
    }
    if (strcmp(word, "eio") == 0) {
        *err = EIO;
        return kWriteErrno;
    }
    if (strcmp(word, "stall") == 0)
        return kStall;
    if (strcmp(word, "eio-fsync") == 0) {
        *err = EIO;
        return kFsyncEio;
    }
    return kNone;
}

static int isDatabase(int fd)
{
    const char* match = getenv("BGTASKD_FAULT_MATCH");
    char link[64];
    char path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    const int saved = errno;
    const ssize_t n = readlink(link, path, sizeof path - 1);
    errno = saved;
    if (n <= 0)
        return 0;
    path[n] = '\0';
    return strstr(path, match != NULL ? match : "bgtaskd.db") != NULL;
}

// Nonzero (and errno set) when this call on fd must fail. Waits first while the disk stalls.
static int injected(int fd, enum Mode kind)
{
    int err = 0;
    while (currentMode(&err) == kStall && isDatabase(fd))
        usleep(10000);
    if (currentMode(&err) != kind || !isDatabase(fd))
        return 0;
    errno = err;
    return 1;
}

#define REAL(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

ssize_t write(int fd, const void* buf, size_t count)
{
    return injected(fd, kWriteErrno) ? -1 : REAL(write)(fd, buf, count);
}

ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset)
{
    return injected(fd, kWriteErrno) ? -1 : REAL(pwrite)(fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void* buf, size_t count, off64_t offset)
{
    return injected(fd, kWriteErrno) ? -1 : REAL(pwrite64)(fd, buf, count, offset);
}

ssize_t writev(int fd, const struct iovec* iov, int iovcnt)
{
    return injected(fd, kWriteErrno) ? -1 : REAL(writev)(fd, iov, iovcnt);
}

int fsync(int fd)
{
    return injected(fd, kFsyncEio) ? -1 : REAL(fsync)(fd);
}

int fdatasync(int fd)
{
    return injected(fd, kFsyncEio) ? -1 : REAL(fdatasync)(fd);
}

int statvfs(const char* path, struct statvfs* buf)
{
    const int rc = REAL(statvfs)(path, buf);
    const char* match = getenv("BGTASKD_FAULT_MATCH");
    int err = 0;
    if (rc == 0 && strstr(path, match != NULL ? match : "bgtaskd.db") != NULL &&
        currentMode(&err) == kWriteErrno && err == EROFS)
        buf->f_flag |= ST_RDONLY;
    return rc;
}
