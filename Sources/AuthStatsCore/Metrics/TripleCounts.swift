/// The in-memory window of an `ActivityTable`: (user, day, profile) → count, open
/// addressing over one flat array (no `Hasher` per event). A triple whose count falls to 0
/// keeps its slot (the merge drops it: it sums to nothing). Kept at most 3/4 full: 24 bytes
/// a slot, 32 a triple.
struct TripleCounts: Sendable {
    struct Slot: Sendable {
        var key: ActivityTable.Key
        var count: Int32
    }

    /// An empty slot's profile: profile ids count up from 0 and never get this far (a day,
    /// from a timestamp however wild, could be any Int32).
    private static let emptyProfile = UInt32.max
    private var slots: [Slot]
    private var mask: Int
    private(set) var count = 0
    /// The slot of the last key added (-1: none): a user's events come in runs (an SDK
    /// sends a session's events together), and a repeat then needs no probe.
    private var lastSlot = -1

    init() {
        slots = Self.emptySlots(1024)
        mask = 1023
    }

    private static func emptySlots(_ n: Int) -> [Slot] {
        [Slot](repeating: Slot(key: ActivityTable.Key(user: 0, day: 0, profile: emptyProfile), count: 0), count: n)
    }

    var isEmpty: Bool { count == 0 }

    /// How many triples fit before the table grows.
    var capacity: Int { slots.count * 3 / 4 }

    @inline(__always)
    private static func hash(_ key: ActivityTable.Key) -> Int {
        Int(truncatingIfNeeded: Hash64.finalMix(key.user ^ UInt64(UInt32(bitPattern: key.day)) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(key.profile) &* 0xC2B2_AE3D_27D4_EB4F))
    }

    /// Adds `delta` to the count of `key`.
    mutating func add(_ key: ActivityTable.Key, _ delta: Int32) {
        let last = lastSlot
        let mask = self.mask
        // The slot used, and whether the key is new there.
        let (slot, added) = slots.withUnsafeMutableBufferPointer { table -> (Int, Bool) in
            if last >= 0 && table[last].key == key {
                table[last].count += delta
                return (last, false)
            }
            var i = Self.hash(key) & mask
            while table[i].key.profile != Self.emptyProfile {
                if table[i].key == key {
                    table[i].count += delta
                    return (i, false)
                }
                i = (i + 1) & mask
            }
            table[i] = Slot(key: key, count: delta)
            return (i, true)
        }
        lastSlot = slot
        guard added else { return }
        count += 1
        if count * 4 > slots.count * 3 { grow() }
    }

    /// Adds 1 to the count of each of `keys` (the activity of a batch of events,
    /// `ActivityTable.addOne(contentsOf:)`): as `UserHashSet.insert(contentsOf:)`, the slot each
    /// key lands on first is read for all of them before any count changes, so that their
    /// cache misses are waited for side by side; a key found there is counted in place.
    mutating func addOne(contentsOf keys: UnsafeBufferPointer<ActivityTable.Key>) {
        withUnsafeTemporaryAllocation(of: Int.self, capacity: keys.count) { found in
            var misses = firstSlots(of: keys, into: found)
            // Room for the new ones first, so that no add below grows the table: at most those
            // not found in their first slot; near a growth, counted exactly, as
            // `UserHashSet.insert(contentsOf:)` does (a batch of triples already counted does not
            // double the table). A growth moves the slots: they are looked up again.
            if (count + misses) * 4 > slots.count * 3 {
                var new = Set<ActivityTable.Key>()
                for k in 0..<keys.count where found[k] < 0 && !contains(keys[k]) { new.insert(keys[k]) }
                if (count + new.count) * 4 > slots.count * 3 {
                    grow(toHold: count + new.count)
                    misses = firstSlots(of: keys, into: found)
                }
            }
            slots.withUnsafeMutableBufferPointer { table in
                for k in 0..<keys.count where found[k] >= 0 { table[found[k]].count += 1 }
            }
            // Nothing moves in between: a key found above is where it was.
            if misses > 0 {
                for k in 0..<keys.count where found[k] < 0 { add(keys[k], 1) }
            }
        }
    }

    private func contains(_ key: ActivityTable.Key) -> Bool {
        slots.withUnsafeBufferPointer { table in
            var i = Self.hash(key) & mask
            while table[i].key.profile != Self.emptyProfile {
                if table[i].key == key { return true }
                i = (i + 1) & mask
            }
            return false
        }
    }

    /// Sets `found[k]` to the slot of `keys[k]` when it is in the slot it hashes to, else -1;
    /// returns how many are not.
    private func firstSlots(of keys: UnsafeBufferPointer<ActivityTable.Key>, into found: UnsafeMutableBufferPointer<Int>) -> Int {
        var misses = 0
        slots.withUnsafeBufferPointer { table in
            for (k, key) in keys.enumerated() {
                let i = Self.hash(key) & mask
                let hit = table[i].key == key
                found[k] = hit ? i : -1
                misses += hit ? 0 : 1
            }
        }
        return misses
    }

    private mutating func grow() { grow(toHold: count + 1) }

    /// Rehashes into a table at most 3/4 full with `total` triples (doubled until it is).
    private mutating func grow(toHold total: Int) {
        var size = slots.count * 2
        while total * 4 > size * 3 { size *= 2 }
        lastSlot = -1
        let old = slots
        slots = Self.emptySlots(size)
        mask = slots.count - 1
        count = 0
        for slot in old where slot.key.profile != Self.emptyProfile { add(slot.key, slot.count) }
    }

    /// Every triple and its count, sorted by (user, day, profile).
    func sorted() -> [(ActivityTable.Key, Int32)] {
        var out: [(ActivityTable.Key, Int32)] = []
        out.reserveCapacity(count)
        forEachSorted { out.append(($0, $1)) }
        return out
    }

    /// Visits every triple, in table order.
    func forEach(_ body: (ActivityTable.Key, Int32) -> Void) {
        for slot in slots where slot.key.profile != Self.emptyProfile { body(slot.key, slot.count) }
    }

    /// Visits every triple in (user, day, profile) order, sorting 4-byte slot numbers rather
    /// than copies of the entries (a `BucketSort` on the user hash).
    func forEachSorted(_ body: (ActivityTable.Key, Int32) throws -> Void) rethrows {
        try slots.withUnsafeBufferPointer { table in
            var occupied: [UInt32] = []
            occupied.reserveCapacity(count)
            for (i, slot) in table.enumerated() where slot.key.profile != Self.emptyProfile { occupied.append(UInt32(i)) }
            let order = BucketSort.sorted(count: occupied.count, item: { occupied[$0] }, lead: { table[Int($0)].key.user }) { a, b in
                let x = table[Int(a)].key
                let y = table[Int(b)].key
                return (x.user, x.day, x.profile) < (y.user, y.day, y.profile)
            }
            for i in order { try body(table[Int(i)].key, table[Int(i)].count) }
        }
    }

    /// Empties the table in place (a new array would briefly double its memory).
    mutating func removeAll() {
        slots.withUnsafeMutableBufferPointer { table in
            for i in table.indices { table[i].key.profile = Self.emptyProfile }
        }
        count = 0
        lastSlot = -1
    }
}
