/// An open-addressing hash table from fingerprints to where they were counted: the dedup
/// window. Fingerprints are already uniformly random, so their low bits pick the slot
/// directly; no `Hasher` runs on the hot path.
///
/// The probed slots hold only the key and a 4-byte index (24 bytes); the values sit densely
/// in insertion order. Most events are new, and each insert then misses the cache once in a
/// table less than half the size of one with the values inline, and appends its value
/// where the last one went.
struct FingerprintTable {
    struct Slot {
        var high: UInt64
        var low: UInt64
        /// Into `values`.
        var index: UInt32
    }

    private var slots: [Slot]
    private var values: [DuplicateFilter.Counted] = []
    private var mask: Int
    var count: Int { values.count }

    /// - Parameter reserve: room for this many values from the start (address space only
    ///   until used): the values then never move, so growing never holds two copies.
    init(capacity: Int, reserve: Int = 0) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }  // at most half full
        slots = Array(repeating: Slot(high: 0, low: 0, index: 0), count: size)
        mask = size - 1
        values.reserveCapacity(reserve)
    }

    /// (0, 0) marks an empty slot; a real fingerprint of (0, 0) is stored as (0, 1).
    @inline(__always)
    private static func key(_ f: Fingerprint) -> (UInt64, UInt64) {
        f.high == 0 && f.low == 0 ? (0, 1) : (f.high, f.low)
    }

    /// The slot of `fingerprint`, or of the empty slot where it would go.
    @inline(__always)
    private func slot(_ high: UInt64, _ low: UInt64) -> Int {
        slots.withUnsafeBufferPointer { table in
            var i = Int(truncatingIfNeeded: low) & mask
            while table[i].high != 0 || table[i].low != 0 {
                if table[i].high == high && table[i].low == low { return i }
                i = (i + 1) & mask
            }
            return i
        }
    }

    @inline(__always)
    private func isEmpty(_ i: Int) -> Bool { slots[i].high == 0 && slots[i].low == 0 }

    subscript(_ fingerprint: Fingerprint) -> DuplicateFilter.Counted? {
        let (h, l) = Self.key(fingerprint)
        let i = slot(h, l)
        return isEmpty(i) ? nil : values[Int(slots[i].index)]
    }

    /// Stores `value` for `fingerprint` unless it is there already; one probe either way.
    /// - Returns: true when it was stored.
    mutating func insertIfAbsent(_ fingerprint: Fingerprint, _ value: DuplicateFilter.Counted) -> Bool {
        let (h, l) = Self.key(fingerprint)
        let i = slot(h, l)
        guard isEmpty(i) else { return false }
        add(h, l, value, at: i)
        return true
    }

    /// Stores `value` for `fingerprint`; returns the value it replaced, if any.
    @discardableResult
    mutating func set(_ fingerprint: Fingerprint, _ value: DuplicateFilter.Counted) -> DuplicateFilter.Counted? {
        let (h, l) = Self.key(fingerprint)
        let i = slot(h, l)
        if isEmpty(i) {
            add(h, l, value, at: i)
            return nil
        }
        let index = Int(slots[i].index)
        let old = values[index]
        values[index] = value
        return old
    }

    @inline(__always)
    private mutating func add(_ high: UInt64, _ low: UInt64, _ value: DuplicateFilter.Counted, at i: Int) {
        slots[i] = Slot(high: high, low: low, index: UInt32(values.count))
        values.append(value)
        if values.count * 2 > slots.count { grow() }
    }

    /// Twice the slots; the values stay where they are.
    private mutating func grow() {
        let old = slots
        slots = Array(repeating: Slot(high: 0, low: 0, index: 0), count: old.count * 2)
        mask = slots.count - 1
        for entry in old where entry.high != 0 || entry.low != 0 {
            slots[slot(entry.high, entry.low)] = entry
        }
    }

    /// Visits every entry in fingerprint order, without a sorted copy of the entries (a
    /// spill would otherwise hold the table twice for a moment). Fingerprints are uniformly
    /// random, so a counting sort of slot numbers on the top bits puts each in a bucket of a
    /// few, and an insertion sort finishes each bucket: linear time, 4 bytes an entry.
    func forEachSorted(_ body: (Fingerprint, DuplicateFilter.Counted) throws -> Void) rethrows {
        guard count > 0 else { return }
        let bits = max(1, min(20, (Int.bitWidth - count.leadingZeroBitCount) - 1))
        let shift = UInt64(64 - bits)
        var starts = [Int32](repeating: 0, count: (1 << bits) + 1)
        var order = [UInt32](repeating: 0, count: count)
        try slots.withUnsafeBufferPointer { table in
            for slot in table where slot.high != 0 || slot.low != 0 { starts[Int(slot.high >> shift) + 1] += 1 }
            for i in 1..<starts.count { starts[i] += starts[i - 1] }
            var next = starts
            for (i, slot) in table.enumerated() where slot.high != 0 || slot.low != 0 {
                let bucket = Int(slot.high >> shift)
                order[Int(next[bucket])] = UInt32(i)
                next[bucket] += 1
            }
            func less(_ a: UInt32, _ b: UInt32) -> Bool {
                (table[Int(a)].high, table[Int(a)].low) < (table[Int(b)].high, table[Int(b)].low)
            }
            for bucket in 0..<(1 << bits) where starts[bucket + 1] - starts[bucket] > 1 {
                let first = Int(starts[bucket])
                for i in first + 1..<Int(starts[bucket + 1]) {
                    let entry = order[i]
                    var j = i
                    while j > first && less(entry, order[j - 1]) {
                        order[j] = order[j - 1]
                        j -= 1
                    }
                    order[j] = entry
                }
            }
            for i in order {
                let slot = table[Int(i)]
                try body(Fingerprint(high: slot.high, low: slot.low), values[Int(slot.index)])
            }
        }
    }

    /// Every entry, in table order.
    func forEach(_ body: (Fingerprint, DuplicateFilter.Counted) -> Void) {
        for slot in slots where slot.high != 0 || slot.low != 0 {
            body(Fingerprint(high: slot.high, low: slot.low), values[Int(slot.index)])
        }
    }

    /// Empties the table in place (the slots and the values keep their memory).
    mutating func removeAll() {
        slots.withUnsafeMutableBufferPointer { table in
            for i in table.indices {
                table[i].high = 0
                table[i].low = 0
            }
        }
        values.removeAll(keepingCapacity: true)
    }
}
