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
}
