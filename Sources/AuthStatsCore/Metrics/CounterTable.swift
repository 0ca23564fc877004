/// Event counters by (day, profile), the accumulator's per-event table (a `PackedKeyTable`:
/// no `Hasher` runs per event). Entries whose events were all taken back (duplicates found at
/// the end) stay, empty, and are skipped when iterating.
struct CounterTable: Sequence {
    typealias Key = MetricsAccumulator.DayProfile
    typealias Counters = MetricsAccumulator.Counters

    /// By packed key (`day` in the high half; no profile id is `UInt32.max`, so no key is the
    /// table's `empty`).
    private var table = PackedKeyTable(initial: Counters(), capacityLog2: 8)

    @inline(__always)
    private static func pack(_ key: Key) -> UInt64 { UInt64(UInt32(bitPattern: key.day)) << 32 | UInt64(key.profile) }

    /// Counts `n` events of `kind` (negative: takes them back).
    @inline(__always)
    mutating func add(_ key: Key, _ kind: EventKind, _ n: Int = 1) {
        table.update(Self.pack(key)) { $0.add(kind, n) }
    }

    mutating func add(_ key: Key, _ counters: Counters) {
        table.update(Self.pack(key)) { $0.add(counters) }
    }

    /// The (day, profile) pairs with events, in no particular order.
    func makeIterator() -> AnyIterator<(key: Key, value: Counters)> {
        let (keys, counts) = (table.keys, table.values)
        var j = 0
        return AnyIterator {
            while j < keys.count {
                defer { j += 1 }
                let packed = keys[j]
                guard packed != PackedKeyTable<Counters>.empty, counts[j].events != 0 else { continue }
                return (Key(day: Int32(bitPattern: UInt32(packed >> 32)), profile: UInt32(truncatingIfNeeded: packed)), counts[j])
            }
            return nil
        }
    }

    var values: [Counters] { map(\.value) }
}
