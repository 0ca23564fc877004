import AuthStatsCore
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
    ///
    /// A fixed mmap threshold also stops glibc from moving its trim threshold (to twice the
    /// mmap threshold, as it does on its own), which then stays at 128 KiB: each free of a
    /// buffer at the top of a heap gave its pages back, and the next buffer faulted them in
    /// again. So it is set to twice ours, 8 MiB. Minor page faults before → after: a shard of
    /// half the bench set 130,000 → 40,000 (sys 0.75 → 0.50 s), a plain run of the same files
    /// 47,000 → 37,000, the memory set (100,000 users, 10× the events) 98,000 → 59,000; peak
    /// RSS 2–11 MB higher on 2 cores (each malloc arena, one a worker, may keep up to 8 MiB
    /// free at its top: on many cores, up to 8 MiB a job).
    public static func keepLargeBuffersApart() {
        let mmapThreshold = LargeBuffers.ownMappingBytes
        _ = cmalloc_set_mmap_threshold(Int32(mmapThreshold) + 1)
        _ = cmalloc_set_trim_threshold(Int32(2 * mmapThreshold))
    }
}
