/// The listed users of a user directory by `UserID.hash`, each with whether it is federated:
/// what every event asks of the directory (`UserDirectory.userType(of:)`), kept compact.
///
/// Open addressing like `UserHashSet` (the hash's own bits pick the slot, at most half full,
/// 8 bytes a slot: 16 MB for a million users) with a bit of flag for each slot, apart (256 KB
/// for a million users, so it stays in cache: an insert or a lookup misses once). One table
/// rather than a set of listed users and a set of federated ones: a later entry of a user
/// that changes its type just overwrites the flag (a set would need deletion), and a lookup
/// is one probe.
struct UserTypeTable: Sendable {
    private var slots: [UInt64] = []
    /// Bit `i % 64` of word `i / 64`: whether slot `i` is federated.
    private var flags: [UInt64] = []
    private var mask = 0
    /// 0 marks an empty slot; the hash 0 itself is kept apart.
    private var zero: Bool?
    /// Distinct hashes.
    private(set) var count = 0

    /// Sets `hash`'s flag, adding it when new.
    mutating func set(_ hash: UInt64, federated isFederated: Bool) {
        guard hash != 0 else {
            if zero == nil { count += 1 }
            zero = isFederated
            return
        }
        if (count + 1) * 2 > slots.count { grow() }
        var i = Int(truncatingIfNeeded: hash) & mask
        while slots[i] != 0 {
            if slots[i] == hash { return setFlag(i, isFederated) }
            i = (i + 1) & mask
        }
        slots[i] = hash
        setFlag(i, isFederated)
        count += 1
    }

    /// Sets the flags of `entries` in their order, as `set(_:federated:)` one by one does; the
    /// slots of each 16 are loaded first, side by side, so that their cache misses overlap.
    /// (One at a time, each insert into the 16 MB table of a million users waited for memory:
    /// a fifth of the directory's loading.)
    mutating func set(_ entries: UnsafeBufferPointer<(hash: UInt64, federated: Bool)>) {
        var start = 0
        while start < entries.count {
            let end = min(start + 16, entries.count)
            if !slots.isEmpty {
                var touched: UInt64 = 0
                slots.withUnsafeBufferPointer { table in
                    for k in start..<end { touched &+= table[Int(truncatingIfNeeded: entries[k].hash) & mask] }
                }
                loaded = touched
            }
            for k in start..<end { set(entries[k].hash, federated: entries[k].federated) }
            start = end
        }
    }

    /// What the loads of `set(_:)` read, kept so that they are made.
    private var loaded: UInt64 = 0

    /// Whether `hash` is federated; nil when it is not listed.
    @inline(__always)
    func federated(_ hash: UInt64) -> Bool? {
        guard hash != 0 else { return zero }
        guard !slots.isEmpty else { return nil }
        return slots.withUnsafeBufferPointer { table -> Bool? in
            var i = Int(truncatingIfNeeded: hash) & mask
            while true {
                let slot = table[i]
                if slot == hash { return flags[i >> 6] & (1 << (i & 63)) != 0 }
                if slot == 0 { return nil }
                i = (i + 1) & mask
            }
        }
    }

    @inline(__always)
    private mutating func setFlag(_ i: Int, _ on: Bool) {
        if on { flags[i >> 6] |= 1 << (i & 63) } else { flags[i >> 6] &= ~(1 << (i & 63)) }
    }

    /// Doubles the table (from 1,024 slots: an empty directory allocates nothing).
    private mutating func grow() {
        let oldSlots = slots
        let oldFlags = flags
        let size = max(1024, slots.count * 2)
        slots = [UInt64](repeating: 0, count: size)
        flags = [UInt64](repeating: 0, count: size / 64)
        mask = size - 1
        for (index, hash) in oldSlots.enumerated() where hash != 0 {
            var i = Int(truncatingIfNeeded: hash) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = hash
            setFlag(i, oldFlags[index >> 6] & (1 << (index & 63)) != 0)
        }
    }
}
