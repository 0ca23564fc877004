import CMalloc

/// How the C allocator treats the run's large buffers.
public enum Allocator {
    /// Buffers above 4 MiB (hash windows, sorted spill batches, merge buffers) get their own
    /// mappings, returned to the system when freed; smaller ones (the 4 MiB inflate chunks,
    /// 1 MiB spill chunks) are reused from the heap.
    ///
    /// Why: glibc raises its mmap threshold each time such a buffer is freed, after which
    /// every spill's temporary batch comes from the heap and stays resident; peak RSS then
    /// grew with the number of spills, that is with the events (100,000 users: 128 MB at
    /// 0.34M events, 179 MB at 2.9M). A fixed threshold keeps it flat (140 / 140 MB) at the
    /// same speed; a lower one (1–2 MiB) cost 10% in page faults.
    public static func keepLargeBuffersApart() {
        _ = cmalloc_set_mmap_threshold(Int32(4 << 20) + 1)
    }
}
