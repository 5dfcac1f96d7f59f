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

size_t fct_utf8_valid_prefix_scalar(const unsigned char *s, size_t n, int *saw_non_ascii) {
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

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

/// Whether the processor and the system let AVX2 run (CPUID leaf 7 bit 5, and the YMM state
/// enabled by the system: OSXSAVE and XCR0 bits 1 and 2).
static int utf8_avx2_usable(void) {
    static int known = -1;  // read and written by any thread: relaxed atomics (the same answer each time)
    int seen = __atomic_load_n(&known, __ATOMIC_RELAXED);
    if (seen >= 0) return seen;
    unsigned a, b, c, d;
    int usable = 0;
    if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_OSXSAVE)) {
        unsigned lo, hi;
        __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        if ((lo & 6) == 6 && __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_AVX2)) usable = 1;
    }
    __atomic_store_n(&known, usable, __ATOMIC_RELAXED);
    return usable;
}

// The lookup algorithm of Keiser and Lemire ("Validating UTF-8 in less than one instruction per
// byte", 2021): each byte's error class is the AND of three 16-entry tables indexed by the high
// and low nibbles of the byte before it and the high nibble of the byte itself; the third and
// fourth bytes of a sequence are checked by whether the byte two or three before is a lead of 3
// or 4 bytes. Bits of the classes:
enum {
    U8_TOO_SHORT = 1 << 0,  // a lead or ASCII after a lead: a continuation is missing
    U8_TOO_LONG = 1 << 1,  // a continuation after ASCII
    U8_OVERLONG_3 = 1 << 2,  // E0 80..9F
    U8_TOO_LARGE = 1 << 3,  // F4 90..BF, F5..FF
    U8_SURROGATE = 1 << 4,  // ED A0..BF
    U8_OVERLONG_2 = 1 << 5,  // C0, C1
    U8_TOO_LARGE_1000 = 1 << 6,  // F5..FF 80..8F
    U8_OVERLONG_4 = 1 << 6,  // F0 80..8F
    U8_TWO_CONTS = 1 << 7,  // a continuation after a continuation (wanted only inside a sequence)
    U8_CARRY = U8_TOO_SHORT | U8_TOO_LONG | U8_TWO_CONTS,
};

/// The bytes of (`previous` · `input`) that precede each byte of `input` by `distance` (1...3).
#define U8_PREVIOUS(input, previous, distance) \
    _mm256_alignr_epi8((input), _mm256_permute2x128_si256((previous), (input), 0x21), 16 - (distance))

/// The three tables, indexed by the high nibble of the byte before, its low nibble, and the
/// high nibble of the byte itself.
static const unsigned char utf8_byte_1_high[16] = {
    // 0_______: ASCII before
    U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG,
    // 10______: a continuation before
    U8_TWO_CONTS, U8_TWO_CONTS, U8_TWO_CONTS, U8_TWO_CONTS,
    // 1100____, 1101____: a lead of 2 before
    U8_TOO_SHORT | U8_OVERLONG_2, U8_TOO_SHORT,
    // 1110____: a lead of 3 before
    U8_TOO_SHORT | U8_OVERLONG_3 | U8_SURROGATE,
    // 1111____: a lead of 4 (or more) before
    U8_TOO_SHORT | U8_TOO_LARGE | U8_TOO_LARGE_1000 | U8_OVERLONG_4,
};
static const unsigned char utf8_byte_1_low[16] = {
    // ____0000, ____0001
    U8_CARRY | U8_OVERLONG_3 | U8_OVERLONG_2 | U8_OVERLONG_4, U8_CARRY | U8_OVERLONG_2,
    // ____001_
    U8_CARRY, U8_CARRY,
    // ____0100, ____0101
    U8_CARRY | U8_TOO_LARGE, U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000,
    // ____011_
    U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000, U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000,
    // ____1000 to ____1100
    U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000, U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000,
    U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000, U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000,
    U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000,
    // ____1101
    U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000 | U8_SURROGATE,
    // ____111_
    U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000, U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000,
};
static const unsigned char utf8_byte_2_high[16] = {
    // 0_______: ASCII
    U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT,
    // 1000____
    U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS | U8_OVERLONG_3 | U8_TOO_LARGE_1000 | U8_OVERLONG_4,
    // 1001____
    U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS | U8_OVERLONG_3 | U8_TOO_LARGE,
    // 101_____
    U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS | U8_SURROGATE | U8_TOO_LARGE,
    U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS | U8_SURROGATE | U8_TOO_LARGE,
    // 11______: a lead
    U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT,
};

/// Nonzero lanes where the 32 bytes of `input`, after the 32 of `previous`, break UTF-8 (a
/// sequence still open at the end of `input` shows in the next block).
__attribute__((target("avx2"))) static __m256i utf8_block_errors(__m256i input, __m256i previous) {
    const __m256i low_nibble = _mm256_set1_epi8(0x0F);
    const __m256i byte_1_high = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)utf8_byte_1_high));
    const __m256i byte_1_low = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)utf8_byte_1_low));
    const __m256i byte_2_high = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)utf8_byte_2_high));
    __m256i previous1 = U8_PREVIOUS(input, previous, 1);
    __m256i classes = _mm256_and_si256(
        _mm256_and_si256(
            _mm256_shuffle_epi8(byte_1_high, _mm256_and_si256(_mm256_srli_epi16(previous1, 4), low_nibble)),
            _mm256_shuffle_epi8(byte_1_low, _mm256_and_si256(previous1, low_nibble))),
        _mm256_shuffle_epi8(byte_2_high, _mm256_and_si256(_mm256_srli_epi16(input, 4), low_nibble)));
    // 0x80 where the byte must be a third or fourth byte: 2 before is E0..FF or 3 before F0..FF.
    __m256i third = _mm256_subs_epu8(U8_PREVIOUS(input, previous, 2), _mm256_set1_epi8((char)(0xE0 - 0x80)));
    __m256i fourth = _mm256_subs_epu8(U8_PREVIOUS(input, previous, 3), _mm256_set1_epi8((char)(0xF0 - 0x80)));
    __m256i must_continue = _mm256_and_si256(_mm256_or_si256(third, fourth), _mm256_set1_epi8((char)0x80));
    return _mm256_xor_si256(must_continue, classes);
}

/// Where the sequence holding the byte before `at` starts when it does not end before `at`
/// (so that the bytes before the result are whole sequences), else `at`. The bytes before `at`
/// are valid UTF-8 read from a sequence start.
static size_t utf8_whole_sequences_before(const unsigned char *s, size_t at) {
    for (size_t back = 1; back <= 3 && back <= at; back++) {
        unsigned char c = s[at - back];
        if (c < 0x80) return at;
        if (c >= 0xC0) {
            size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
            return back < length ? at - back : at;
        }
    }
    return at;
}

/// ``fct_utf8_valid_prefix`` 32 bytes at a time: the blocks are checked with the lookup
/// algorithm until one is not valid (or fewer than 32 bytes are left); the scalar function then
/// goes on from the last whole sequence before that block, so both give the same length.
__attribute__((target("avx2"))) static size_t utf8_valid_prefix_avx2(
    const unsigned char *s, size_t n, int *saw_non_ascii) {
    __m256i previous = _mm256_setzero_si256();
    size_t i = 0;
    int open = 0;  // a sequence of the previous block goes on in this one
    while (n - i >= 32) {
        __m256i input = _mm256_loadu_si256((const __m256i *)(s + i));
        if (_mm256_movemask_epi8(input) == 0) {
            if (open) break;
        } else {
            __m256i errors = utf8_block_errors(input, previous);
            if (!_mm256_testz_si256(errors, errors)) break;
            *saw_non_ascii = 1;
            open = s[i + 31] >= 0xC0 || s[i + 30] >= 0xE0 || s[i + 29] >= 0xF0;
        }
        previous = input;
        i += 32;
    }
    size_t from = utf8_whole_sequences_before(s, i);
    return from + fct_utf8_valid_prefix_scalar(s + from, n - from, saw_non_ascii);
}
#endif

int fct_utf8_simd_used(void) {
#if defined(__x86_64__)
    return utf8_avx2_usable();
#else
    return 0;
#endif
}

size_t fct_utf8_valid_prefix(const unsigned char *s, size_t n, int *saw_non_ascii) {
#if defined(__x86_64__)
    if (n >= 64 && utf8_avx2_usable()) return utf8_valid_prefix_avx2(s, n, saw_non_ascii);
#endif
    return fct_utf8_valid_prefix_scalar(s, n, saw_non_ascii);
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
