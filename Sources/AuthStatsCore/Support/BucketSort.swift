/// Sorts items whose order begins with a well-spread 64-bit word (a hash: a fingerprint, a
/// user hash): a counting pass deals them into buckets by that word's top bits, then each
/// bucket — a few items — is finished by an insertion sort. Linear time for spread keys, and
/// far fewer moves than a merge sort of the whole. A bucket of more than 32 items (many items
/// sharing a key, such as one user's events) takes a comparison sort instead, so that no
/// input makes it quadratic. Callers that need one order of equal items break ties in `less`
/// (the standard library does not promise a stable sort).
enum BucketSort {
    /// The items `item(0)`, …, `item(count - 1)` in the order of `less`; `lead` must agree
    /// with it (`lead(a) < lead(b)` implies `a` sorts first). Items are made as they are
    /// dealt, straight into their buckets (no unsorted copy).
    @inline(__always)
    static func sorted<T>(count: Int, item: (Int) -> T, lead: (T) -> UInt64, by less: (T, T) -> Bool) -> [T] {
        guard count > 0 else { return [] }
        return [T](unsafeUninitializedCapacity: count) { out, initialized in
            sort(count: count, item: item, lead: lead, by: less, into: out)
            initialized = count
        }
    }

    /// As `sorted`, into `out` (room for at least `count` items, uninitialized or holding
    /// trivial values): for a caller that sorts again and again and keeps the room.
    @inline(__always)
    static func sort<T>(
        count: Int, item: (Int) -> T, lead: (T) -> UInt64, by less: (T, T) -> Bool, into out: UnsafeMutableBufferPointer<T>
    ) {
        guard count > 0 else { return }
        precondition(out.count >= count, "room for every item")
        let bits = max(1, min(20, (Int.bitWidth - count.leadingZeroBitCount) - 1))
        let shift = UInt64(64 - bits)
        var starts = [Int](repeating: 0, count: (1 << bits) + 1)
        for i in 0..<count { starts[Int(lead(item(i)) >> shift) + 1] += 1 }
        for b in 1..<starts.count { starts[b] += starts[b - 1] }
        var next = starts
        for i in 0..<count {
            let element = item(i)
            let b = Int(lead(element) >> shift)
            (out.baseAddress! + next[b]).initialize(to: element)
            next[b] += 1
        }
        for bucket in 0..<(1 << bits) {
            let first = starts[bucket], end = starts[bucket + 1]
            guard end - first > 1 else { continue }
            if end - first > 32 {
                var slice = UnsafeMutableBufferPointer(rebasing: out[first..<end])
                slice.sort(by: less)
                continue
            }
            for i in first + 1..<end {
                let item = out[i]
                var j = i
                while j > first, less(item, out[j - 1]) {
                    out[j] = out[j - 1]
                    j -= 1
                }
                out[j] = item
            }
        }
    }
}
