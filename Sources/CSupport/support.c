#define _GNU_SOURCE
#include "CSupport.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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
int fct_limit_heap_arenas(int count) { return mallopt(M_ARENA_MAX, count); }
#else
int fct_release_free_memory(void) { return 0; }
int fct_limit_heap_arenas(int count) { (void)count; return 0; }
#endif

#if defined(SYNC_FILE_RANGE_WRITE)
int fct_start_writeback(int fd, long long offset, long long count) {
    return sync_file_range(fd, (off_t)offset, (off_t)count, SYNC_FILE_RANGE_WRITE);
}
#else
int fct_start_writeback(int fd, long long offset, long long count) { return 0; }
#endif

int fct_set_direct_io(int fd, int on) {
#if defined(O_DIRECT)
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0) return -1;
    int wanted = on ? (flags | O_DIRECT) : (flags & ~O_DIRECT);
    if (wanted == flags) return 0;
    return fcntl(fd, F_SETFL, wanted);
#else
    (void)fd; (void)on;
    errno = ENOTSUP;
    return -1;
#endif
}

void fct_count_csv_bytes(const unsigned char *bytes, size_t count, size_t *quotes, size_t *feeds, size_t *returns) {
    size_t q = 0, f = 0, r = 0, i = 0;
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8(0x22), feed = _mm_set1_epi8(0x0A), ret = _mm_set1_epi8(0x0D);
    const __m128i zero = _mm_setzero_si128();
    while (count - i >= 16) {
        // Each lane counts its matches as 0 - (-1 per match) in 8 bits: at most 255 rounds.
        __m128i qa = zero, fa = zero, ra = zero;
        size_t rounds = (count - i) / 16;
        if (rounds > 255) rounds = 255;
        for (size_t k = 0; k < rounds; k++, i += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(bytes + i));
            qa = _mm_sub_epi8(qa, _mm_cmpeq_epi8(v, quote));
            fa = _mm_sub_epi8(fa, _mm_cmpeq_epi8(v, feed));
            ra = _mm_sub_epi8(ra, _mm_cmpeq_epi8(v, ret));
        }
        __m128i qs = _mm_sad_epu8(qa, zero), fs = _mm_sad_epu8(fa, zero), rs = _mm_sad_epu8(ra, zero);
        q += (size_t)_mm_cvtsi128_si32(qs) + (size_t)_mm_cvtsi128_si32(_mm_srli_si128(qs, 8));
        f += (size_t)_mm_cvtsi128_si32(fs) + (size_t)_mm_cvtsi128_si32(_mm_srli_si128(fs, 8));
        r += (size_t)_mm_cvtsi128_si32(rs) + (size_t)_mm_cvtsi128_si32(_mm_srli_si128(rs, 8));
    }
#endif
    for (; i < count; i++) {
        q += bytes[i] == 0x22;
        f += bytes[i] == 0x0A;
        r += bytes[i] == 0x0D;
    }
    *quotes = q;
    *feeds = f;
    *returns = r;
}

#include <stdint.h>
#include <sys/mman.h>
#if defined(MADV_HUGEPAGE)
int fct_advise_huge_pages(void *address, size_t count) {
    const uintptr_t huge = (uintptr_t)2 << 20;
    uintptr_t start = ((uintptr_t)address + huge - 1) & ~(huge - 1);
    uintptr_t end = ((uintptr_t)address + count) & ~(huge - 1);
    if (end <= start) return 0;
    return madvise((void *)start, end - start, MADV_HUGEPAGE);
}
#else
int fct_advise_huge_pages(void *address, size_t count) { return 0; }
#endif

size_t fct_utf8_valid_prefix(const unsigned char *s, size_t n, int *saw_non_ascii) {
    size_t i = 0;
    while (i < n) {
#if defined(__SSE2__)
        // Sixteen ASCII bytes at a time (most of a CSV export): a clear top bit in every lane.
        while (n - i >= 16) {
            int mask = _mm_movemask_epi8(_mm_loadu_si128((const __m128i *)(s + i)));
            if (mask == 0) { i += 16; continue; }
            i += (size_t)__builtin_ctz((unsigned)mask);
            break;
        }
        if (i >= n) break;
#endif
        unsigned char c = s[i];
        if (c < 0x80) { i++; continue; }
        *saw_non_ascii = 1;
        size_t need;
        unsigned char low = 0x80, high = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) need = 1;
        else if (c == 0xE0) { need = 2; low = 0xA0; }
        else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) need = 2;
        else if (c == 0xED) { need = 2; high = 0x9F; }
        else if (c == 0xF0) { need = 3; low = 0x90; }
        else if (c >= 0xF1 && c <= 0xF3) need = 3;
        else if (c == 0xF4) { need = 3; high = 0x8F; }
        else return i;
        // Not complete before the end, or a wrong continuation: left to the caller, from its lead.
        if (n - i <= need) return i;
        if (s[i + 1] < low || s[i + 1] > high) return i;
        for (size_t k = 2; k <= need; k++) {
            if (s[i + k] < 0x80 || s[i + k] > 0xBF) return i;
        }
        i += need + 1;
    }
    return i;
}

long fct_fec_special_bytes(const unsigned char *s, long n, int *offsets, long capacity) {
    long found = 0, i = 0;
#if defined(__SSE2__)
    const __m128i below = _mm_set1_epi8(0x1F), bar = _mm_set1_epi8(0x7C), del = _mm_set1_epi8(0x7F);
    for (; n - i >= 16; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(s + i));
        // Unsigned v <= 0x1F exactly when min(v, 0x1F) == v.
        __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(v, below), v);
        __m128i special = _mm_or_si128(control, _mm_or_si128(_mm_cmpeq_epi8(v, bar), _mm_cmpeq_epi8(v, del)));
        unsigned mask = (unsigned)_mm_movemask_epi8(special);
        while (mask != 0) {
            if (found == capacity) return -1;
            offsets[found++] = (int)(i + __builtin_ctz(mask));
            mask &= mask - 1;
        }
    }
#endif
    for (; i < n; i++) {
        unsigned char c = s[i];
        if (c < 0x20 || c == 0x7C || c == 0x7F) {
            if (found == capacity) return -1;
            offsets[found++] = (int)i;
        }
    }
    return found;
}

int fct_name_this_thread(const char *name) { return pthread_setname_np(pthread_self(), name); }
