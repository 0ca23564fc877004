/// Event counters by (day, profile), the accumulator's per-event table: open addressing on
/// one multiplicative mix of the packed key, so no `Hasher` runs per event. Entries whose
/// events were all taken back (duplicates found at the end) stay, empty, and are skipped
/// when iterating.
struct CounterTable: Sequence {
    typealias Key = MetricsAccumulator.DayProfile
    typealias Counters = MetricsAccumulator.Counters

    /// Packed keys (`day` in the high half); `empty` marks a free slot (no profile id is
    /// `UInt32.max`).
    private var keys: [UInt64]
    private var counts: [Counters]
    private var shift: UInt64
    private(set) var slotsUsed = 0
    private static let empty = UInt64.max

    init() {
        keys = Array(repeating: Self.empty, count: 256)
        counts = Array(repeating: Counters(), count: 256)
        shift = 64 - 8
    }

    @inline(__always)
    private static func pack(_ key: Key) -> UInt64 { UInt64(UInt32(bitPattern: key.day)) << 32 | UInt64(key.profile) }

    /// The slot of `key`, made if new.
    @inline(__always)
    private mutating func slot(_ key: Key) -> Int {
        let packed = Self.pack(key)
        let mask = keys.count - 1
        var i = Int(truncatingIfNeeded: (packed &* 0x9E37_79B9_7F4A_7C15) >> shift)
        while true {
            let k = keys[i]
            if k == packed { return i }
            if k == Self.empty { break }
            i = (i + 1) & mask
        }
        keys[i] = packed
        slotsUsed += 1
        if slotsUsed * 2 > keys.count {
            grow()
            return slot(key)
        }
        return i
    }

    /// Counts `n` events of `kind` (negative: takes them back).
    @inline(__always)
    mutating func add(_ key: Key, _ kind: EventKind, _ n: Int = 1) {
        let i = slot(key)
        counts[i].add(kind, n)
    }

    mutating func add(_ key: Key, _ counters: Counters) {
        let i = slot(key)
        counts[i].add(counters)
    }

    private mutating func grow() {
        let oldKeys = keys
        let oldValues = counts
        keys = Array(repeating: Self.empty, count: oldKeys.count * 2)
        counts = Array(repeating: Counters(), count: oldKeys.count * 2)
        shift -= 1
        let mask = keys.count - 1
        for (j, packed) in oldKeys.enumerated() where packed != Self.empty {
            var i = Int(truncatingIfNeeded: (packed &* 0x9E37_79B9_7F4A_7C15) >> shift)
            while keys[i] != Self.empty { i = (i + 1) & mask }
            keys[i] = packed
            counts[i] = oldValues[j]
        }
    }

    /// The (day, profile) pairs with events, in no particular order.
    func makeIterator() -> AnyIterator<(key: Key, value: Counters)> {
        var j = 0
        return AnyIterator {
            while j < keys.count {
                defer { j += 1 }
                let packed = keys[j]
                guard packed != Self.empty, counts[j].events != 0 else { continue }
                return (Key(day: Int32(bitPattern: UInt32(packed >> 32)), profile: UInt32(truncatingIfNeeded: packed)), counts[j])
            }
            return nil
        }
    }

    var values: [Counters] { map(\.value) }
}
