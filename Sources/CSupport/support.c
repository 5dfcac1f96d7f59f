#define _GNU_SOURCE
#include "CSupport.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

int fct_rename_noreplace(int from_dir, const char *from, int to_dir, const char *to) {
#ifdef SYS_renameat2
    long rc = syscall(SYS_renameat2, from_dir, from, to_dir, to, RENAME_NOREPLACE);
    if (rc == 0) return 0;
    if (errno != EINVAL && errno != ENOSYS) return -1;
#endif
    struct stat st;
    if (fstatat(from_dir, from, &st, AT_SYMLINK_NOFOLLOW) != 0) return -1;
    if (S_ISDIR(st.st_mode)) {
        // Directories cannot be hard-linked: check then rename (we hold the workspace lock).
        if (fstatat(to_dir, to, &st, AT_SYMLINK_NOFOLLOW) == 0) { errno = EEXIST; return -1; }
        return renameat(from_dir, from, to_dir, to);
    }
    if (linkat(from_dir, from, to_dir, to, 0) != 0) return -1;
    return unlinkat(from_dir, from, 0);
}

long long fct_peak_rss_bytes(void) {
    struct rusage usage;
    if (getrusage(RUSAGE_SELF, &usage) != 0) return -1;
    return (long long)usage.ru_maxrss * 1024LL;
}

void fct_kill_self(void) {
    kill(getpid(), SIGKILL);
    for (;;) pause();
}

#if defined(__GLIBC__)
#include <malloc.h>
int fct_release_free_memory(void) { return malloc_trim(0); }
#else
int fct_release_free_memory(void) { return 0; }
#endif

#if defined(SYNC_FILE_RANGE_WRITE)
int fct_start_writeback(int fd, long long offset, long long count) {
    return sync_file_range(fd, (off_t)offset, (off_t)count, SYNC_FILE_RANGE_WRITE);
}
#else
int fct_start_writeback(int fd, long long offset, long long count) { return 0; }
#endif
