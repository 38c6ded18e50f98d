import CPlatform

/// Returns freed heap to the operating system.
enum MemoryTrim {
    /// `malloc_trim(0)` on glibc: after mass closes the freed per-socket memory would otherwise
    /// stay in the process's resident set until it is reused.
    static func releaseFreeHeap() {
        cplatform_release_free_heap()
    }
}
