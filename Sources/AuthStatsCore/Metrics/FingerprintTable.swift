/// An open-addressing hash table from fingerprints to where they were counted: the dedup
/// window. Fingerprints are already uniformly random, so their low bits pick the slot
/// directly; no `Hasher` runs on the hot path.
struct FingerprintTable {
    private var highs: [UInt64]
    private var lows: [UInt64]
    private var values: [DuplicateFilter.Counted]
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }  // at most half full
        highs = Array(repeating: 0, count: size)
        lows = Array(repeating: 0, count: size)
        values = Array(repeating: DuplicateFilter.Counted(day: 0, profile: 0, kind: .other, input: 0), count: size)
        mask = size - 1
    }

    /// (0, 0) marks an empty slot; a real fingerprint of (0, 0) is stored as (0, 1).
    @inline(__always)
    private static func key(_ f: Fingerprint) -> (UInt64, UInt64) {
        f.high == 0 && f.low == 0 ? (0, 1) : (f.high, f.low)
    }

    /// The slot of `fingerprint`, or of the empty slot where it would go.
    @inline(__always)
    private func slot(_ high: UInt64, _ low: UInt64) -> Int {
        var i = Int(truncatingIfNeeded: low) & mask
        while highs[i] != 0 || lows[i] != 0 {
            if highs[i] == high && lows[i] == low { return i }
            i = (i + 1) & mask
        }
        return i
    }

    subscript(_ fingerprint: Fingerprint) -> DuplicateFilter.Counted? {
        let (h, l) = Self.key(fingerprint)
        let i = slot(h, l)
        return highs[i] == 0 && lows[i] == 0 ? nil : values[i]
    }

    /// Stores `value` for `fingerprint`; returns the value it replaced, if any.
    @discardableResult
    mutating func set(_ fingerprint: Fingerprint, _ value: DuplicateFilter.Counted) -> DuplicateFilter.Counted? {
        let (h, l) = Self.key(fingerprint)
        let i = slot(h, l)
        if highs[i] == 0 && lows[i] == 0 {
            highs[i] = h
            lows[i] = l
            values[i] = value
            count += 1
            if count * 2 > highs.count { grow() }
            return nil
        }
        let old = values[i]
        values[i] = value
        return old
    }

    private mutating func grow() {
        let old = (highs, lows, values)
        var bigger = FingerprintTable(capacity: highs.count)
        for i in old.0.indices where old.0[i] != 0 || old.1[i] != 0 {
            bigger.set(Fingerprint(high: old.0[i], low: old.1[i]), old.2[i])
        }
        self = bigger
    }

    /// Every entry, sorted by fingerprint.
    func sorted() -> [(Fingerprint, DuplicateFilter.Counted)] {
        var out: [(Fingerprint, DuplicateFilter.Counted)] = []
        out.reserveCapacity(count)
        for i in highs.indices where highs[i] != 0 || lows[i] != 0 {
            out.append((Fingerprint(high: highs[i], low: lows[i]), values[i]))
        }
        out.sort { ($0.0.high, $0.0.low) < ($1.0.high, $1.0.low) }
        return out
    }

    /// Every entry, in table order.
    func forEach(_ body: (Fingerprint, DuplicateFilter.Counted) -> Void) {
        for i in highs.indices where highs[i] != 0 || lows[i] != 0 {
            body(Fingerprint(high: highs[i], low: lows[i]), values[i])
        }
    }

    mutating func removeAll() {
        for i in highs.indices {
            highs[i] = 0
            lows[i] = 0
        }
        count = 0
    }
}
