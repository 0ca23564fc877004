/// Values by a 64-bit packed key, in open addressing: linear probing from one multiplicative
/// mix of the key, grown at half full. The tables looked up once per event (`CounterTable`),
/// per session (`SessionTally`) or per counter and dimension (`ReportBuilder.assemble`'s
/// breakdown rows) use it, so that no `Hasher` runs per look-up (the two dictionary look-ups a
/// session it replaced were ~6% of a night's CPU).
struct PackedKeyTable<Value> {
    /// Marks a free slot: no key packs to it.
    static var empty: UInt64 { .max }
    private(set) var keys: [UInt64]
    private(set) var values: [Value]
    private var shift: UInt64
    private(set) var count = 0
    /// What a new slot holds.
    private let initial: Value

    init(initial: Value, capacityLog2: Int) {
        self.initial = initial
        keys = Array(repeating: Self.empty, count: 1 << capacityLog2)
        values = Array(repeating: initial, count: 1 << capacityLog2)
        shift = UInt64(64 - capacityLog2)
    }

    /// Where `key`'s probe starts: one multiplicative mix, its top bits.
    @inline(__always)
    private func home(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift) }

    /// The slot of `key` (not `empty`), made if new.
    @inline(__always)
    private mutating func slot(_ key: UInt64) -> Int {
        let mask = keys.count - 1
        var i = home(key)
        while true {
            let k = keys[i]
            if k == key { return i }
            if k == Self.empty { break }
            i = (i + 1) & mask
        }
        keys[i] = key
        count += 1
        if count * 2 > keys.count {
            grow()
            return slot(key)
        }
        return i
    }

    /// Changes the value of `key` in place (made `initial` first if new).
    @inline(__always)
    mutating func update(_ key: UInt64, _ body: (inout Value) -> Void) {
        let i = slot(key)
        body(&values[i])
    }

    private mutating func grow() {
        let (oldKeys, oldValues) = (keys, values)
        keys = Array(repeating: Self.empty, count: oldKeys.count * 2)
        values = Array(repeating: initial, count: oldKeys.count * 2)
        shift -= 1
        let mask = keys.count - 1
        for (j, key) in oldKeys.enumerated() where key != Self.empty {
            var i = home(key)
            while keys[i] != Self.empty { i = (i + 1) & mask }
            keys[i] = key
            values[i] = oldValues[j]
        }
    }

    /// Every key made, with its value, in no particular order.
    func forEach(_ body: (UInt64, Value) throws -> Void) rethrows {
        for (j, key) in keys.enumerated() where key != Self.empty { try body(key, values[j]) }
    }
}

extension PackedKeyTable: Sendable where Value: Sendable {}
