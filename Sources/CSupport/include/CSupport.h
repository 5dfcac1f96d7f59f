#pragma once
#include <stddef.h>

/// Renames `from` to `to` (paths relative to the two directory descriptors) without ever
/// replacing an existing `to`: returns 0, or -1 with errno set (EEXIST when `to` exists).
/// Uses renameat2(RENAME_NOREPLACE); on file systems without it (EINVAL/ENOSYS) falls back to
/// link + unlink for files, which is also no-clobber.
int fct_rename_noreplace(int from_dir, const char *from, int to_dir, const char *to);

/// Returns the peak resident set size of this process in bytes (getrusage, ru_maxrss).
long long fct_peak_rss_bytes(void);

/// Sends SIGKILL to this process: used by the crash-injection test seam only.
void fct_kill_self(void);

/// Returns the heap's free pages to the system (glibc malloc_trim(0)); 1 when some were
/// released. A no-op returning 0 where there is no malloc_trim.
int fct_release_free_memory(void);

/// Lets glibc malloc make at most `count` heaps (arenas) for the threads of this process
/// (mallopt M_ARENA_MAX); 1 when set. A no-op returning 0 where there is no mallopt.
int fct_limit_heap_arenas(int count);

/// Starts writing `count` bytes of `fd` from `offset` to disk without waiting for them
/// (sync_file_range SYNC_FILE_RANGE_WRITE), so that a later fsync has less left to wait for.
/// Returns 0, or -1 with errno set; a no-op returning 0 where there is no sync_file_range.
int fct_start_writeback(int fd, long long offset, long long count);

/// Turns direct I/O (O_DIRECT: writes go from the caller's memory to the disk, bypassing the
/// page cache) on (`on` = 1) or off (0) for `fd` with fcntl(F_SETFL). Returns 0, or -1 with errno
/// set (EINVAL when the file system refuses it); -1 with ENOTSUP where there is no O_DIRECT.
int fct_set_direct_io(int fd, int on);

/// Counts the double quotes, line feeds and carriage returns of `count` bytes at `bytes` (the
/// cut-point scan of a large CSV file): 16 bytes at a time with SSE2 where it exists.
void fct_count_csv_bytes(const unsigned char *bytes, size_t count, size_t *quotes, size_t *feeds, size_t *returns);

/// Asks the kernel to back the whole 2 MiB pages inside `count` bytes at `address` with huge
/// pages when they are first touched (madvise MADV_HUGEPAGE; the partial pages at either end are
/// left alone). Returns 0, or -1 with errno set; a no-op returning 0 where there is no such advice.
int fct_advise_huge_pages(void *address, size_t count);

/// Names the calling thread for the kernel (`/proc/self/task/*/comm`, `top -H`; at most 15
/// bytes): Foundation's `Thread.name` does not reach it on Linux. 0 on success.
int fct_name_this_thread(const char *name);

/// The length of the longest prefix of `count` bytes at `bytes` made of whole, valid UTF-8
/// sequences, read from a sequence start: `count`, or the offset of the lead byte of the first
/// sequence that is invalid or does not end before `count` (the caller reads that one byte by
/// byte). With AVX2, 32 bytes at a time by the lookup algorithm of Keiser and Lemire (the scan of a
/// 1 GB export of French text spent 0.25 s here byte by byte, on the critical path of its `run`:
/// issue #9); elsewhere ASCII is skipped 16 bytes at a time with SSE2. Sets `*saw_non_ascii`
/// to 1 when the prefix, or the byte where it stops, is a byte of 0x80 or more (never sets it
/// back to 0).
size_t fct_utf8_valid_prefix(const unsigned char *bytes, size_t count, int *saw_non_ascii);

/// ``fct_utf8_valid_prefix`` one byte at a time (ASCII 16 at a time): what the 32-byte path
/// must agree with (the tests compare them), and the path without AVX2.
size_t fct_utf8_valid_prefix_scalar(const unsigned char *bytes, size_t count, int *saw_non_ascii);

/// 1 when ``fct_utf8_valid_prefix`` checks 32 bytes at a time (x86-64 with AVX2), else 0.
int fct_utf8_simd_used(void);

/// The offsets of the bytes of `bytes[0..<count]` that are below 0x20, or 0x7C ('|'), or 0x7F
/// (DEL), in increasing order, into `offsets`: their number, or -1 when there are more than
/// `capacity` (`offsets` then holds the first `capacity`). Sixteen bytes at a time with SSE2 where
/// it exists (a FEC line's separators, controls and tabs: ``FECRecordFields``).
long fct_fec_special_bytes(const unsigned char *bytes, long count, int *offsets, long capacity);

/// Asks the CPU to bring the cache line at `address` in, for writing, without waiting for it
/// (__builtin_prefetch): a hint, never a fault, whatever the address.
static inline void fct_prefetch_for_write(const void *address) { __builtin_prefetch(address, 1, 3); }
