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

    /// The (day, profile) pairs with events, in no particular order. (A concrete iterator: an
    /// `AnyIterator` called a closure per slot, ~1% of a run over many dimensions, whose
    /// hundreds of thousands of rows are walked by the report builder and the overlaps.)
    func makeIterator() -> Iterator { Iterator(keys: table.keys, counts: table.values) }

    struct Iterator: IteratorProtocol {
        fileprivate let keys: [UInt64]
        fileprivate let counts: [Counters]
        private var j = 0

        fileprivate init(keys: [UInt64], counts: [Counters]) {
            self.keys = keys
            self.counts = counts
        }

        mutating func next() -> (key: Key, value: Counters)? {
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
