import CSupport

/// Hands the pages glibc's allocator holds free back to the kernel (`malloc_trim(0)`).
///
/// Why: the invoicing of a large month frees many small objects (the compact time entries, each
/// batch's annexes, record keys and XML) between objects it keeps (the issued documents), so the
/// freed memory sits in holes glibc never returns: the process's resident memory grew by about
/// 130 MB during the issuing of the 5,000-client, 1,000,000-entry month although the heap stayed
/// flat (measured with heaptrack and `/proc/<pid>/status`). `malloc_trim(0)` releases every whole
/// free page, including those in the middle of the heap; it frees nothing in use and costs a few
/// milliseconds, so it is called at the few points where a lot was just freed.
enum FreePages {
    static func release() {
        _ = fct_release_free_memory()
    }

    /// Makes every thread of the process allocate from one heap (glibc's `M_ARENA_MAX` = 1), for a
    /// process whose peak memory is the goal (the `fec` command: < 200 MB for 1,000,000 lines).
    ///
    /// Why: glibc gives a thread that allocates while another does a heap of its own; the FEC
    /// decodes issued records on background threads while the caller posts them, so the documents
    /// lived in other heaps than the entries kept, and the holes they left stayed resident (peak
    /// 193 MB instead of 180 MB; with one heap 176 MB: `malloc_trim` then returns them). Threads
    /// then take turns on the heap's lock, which the measurements did not show. Called before any
    /// thread starts: heaps already made stay.
    static func useOneHeap() {
        _ = fct_limit_heap_arenas(1)
    }
}
