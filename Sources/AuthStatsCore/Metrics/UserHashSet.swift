import Foundation

/// A set of 64-bit user hashes (`UserID.hash`), or of other uniformly random words (a
/// fingerprint's): open addressing, the hash's own bits pick the slot, so no `Hasher` runs
/// per event. 8 bytes a slot, kept at most half full.
struct UserHashSet: Sendable {
    private var slots: [UInt64]
    private var mask: Int
    /// 0 marks an empty slot; the hash 0 itself is remembered apart.
    private var hasZero = false
    private(set) var count = 0
    /// A hash known to be in the set (the last one `insert` added or found): a user's events
    /// come in runs (an SDK sends a session's events together), and a repeat then needs no
    /// probe. Nothing is ever removed, so it stays true across growth.
    private var last: UInt64 = 0

    init() {
        slots = [UInt64](repeating: 0, count: 1024)
        mask = slots.count - 1
    }

    /// Makes room for `total` hashes at once (a restore that knows how many it will add: grown
    /// from empty one doubling at a time, the table was rehashed ~10 times on the way).
    mutating func reserve(_ total: Int) { resize(toHold: total) }

    /// Adds `hash`; true when it was new.
    @discardableResult
    mutating func insert(_ hash: UInt64) -> Bool {
        if hash == last && hash != 0 { return false }
        guard hash != 0 else {
            if hasZero { return false }
            hasZero = true
            count += 1
            return true
        }
        let inserted = slots.withUnsafeMutableBufferPointer { table -> Bool in
            let i = Self.slot(of: hash, in: UnsafeBufferPointer(table), mask: mask)
            guard table[i] == 0 else { return false }
            table[i] = hash
            return true
        }
        last = hash
        guard inserted else { return false }
        count += 1
        if count * 2 > slots.count { grow() }
        return true
    }

    /// Adds each of `hashes` (the users of a batch of events, `MetricsAccumulator.settle()`).
    /// The table is far larger than the caches (16 MB for the bench set's users), and one
    /// insert an event waited for a cache miss each time (~2.5% of a run's CPU): here the slot
    /// each hash lands on first is read for all of them before any is written, so the
    /// processor waits for those reads side by side, and a hash found there needs no more.
    mutating func insert(contentsOf hashes: UnsafeBufferPointer<UInt64>) {
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: hashes.count) { first in
            var misses = 0
            slots.withUnsafeBufferPointer { table in
                for (k, hash) in hashes.enumerated() {
                    first[k] = table[Int(truncatingIfNeeded: hash) & mask]
                    if hash == 0 ? !hasZero : first[k] != hash { misses += 1 }
                }
            }
            // Room for the new ones first, so that none of the inserts below grows the table:
            // at most those not found in their first slot; near a growth, counted exactly (a
            // batch of users already in the set does not double it).
            if (count + misses) * 2 > slots.count {
                var new = Set<UInt64>()
                for (k, hash) in hashes.enumerated() where (hash == 0 ? !hasZero : first[k] != hash) && !contains(hash) { new.insert(hash) }
                resize(toHold: count + new.count)
            }
            // Nothing is ever removed: a hash in its first slot then is in the set now,
            // wherever the growth put it.
            for (k, hash) in hashes.enumerated() where hash == 0 || first[k] != hash { insert(hash) }
        }
    }

    /// How many hashes fit before the table grows.
    var capacity: Int { slots.count / 2 }

    func contains(_ hash: UInt64) -> Bool {
        guard hash != 0 else { return hasZero }
        return slots.withUnsafeBufferPointer { table in table[Self.slot(of: hash, in: table, mask: mask)] == hash }
    }

    /// Calls `body` with every hash, in slot order.
    func forEach(_ body: (UInt64) throws -> Void) rethrows {
        if hasZero { try body(0) }
        for hash in slots where hash != 0 { try body(hash) }
    }

    /// Every hash, ascending: dealt into buckets by their top bits first (the hashes are
    /// uniform): half the time of a comparison sort, for the users of the bench set's half.
    func sorted() -> [UInt64] {
        var hashes: [UInt64] = []
        hashes.reserveCapacity(count)
        forEach { hashes.append($0) }
        return hashes.withUnsafeBufferPointer { all in
            BucketSort.sorted(count: all.count, item: { all[$0] }, lead: { $0 }, by: <)
        }
    }

    /// Adds every hash of `other`, in passes over its slots that each insert without checks
    /// until the table is half full (then it grows, as `insert` would): inserting one by one
    /// was ~100 ms of a merge of eight states. (Sizing the table for both sets at once cost
    /// the memory check 5 MB when each worker kept a set: two sets of mostly the same users.
    /// Unions now serve merges of states, more workers than share one set, and the projects'
    /// analyses.)
    mutating func formUnion(_ other: UserHashSet) {
        // Into an empty set (a merge's first part: `authstats merge` merges state 0 into a new,
        // empty analysis): theirs as it stands, its slots shared until one is written.
        // Their order is not the order inserting would give; nothing reads them in slot order
        // but a count, a look-up or `sorted()`.
        if count == 0 {
            self = other
            return
        }
        if other.hasZero { insert(0) }
        let theirs = other.slots
        var next = 0
        while next < theirs.count {
            // New hashes that fit before the table is more than half full.
            let room = slots.count / 2 - count
            var added = 0
            slots.withUnsafeMutableBufferPointer { table in
                while next < theirs.count {
                    let hash = theirs[next]
                    if hash != 0 {
                        let i = Self.slot(of: hash, in: UnsafeBufferPointer(table), mask: mask)
                        if table[i] == 0 {
                            guard added < room else { return }  // grown first, then this one
                            table[i] = hash
                            added += 1
                        }
                    }
                    next += 1
                }
            }
            count += added
            if next < theirs.count { resize(toHold: count + 1) }
        }
    }

    /// Where `hash` is, or else the empty slot where it would go: linear probing from the
    /// slot its low bits pick.
    @inline(__always)
    private static func slot(of hash: UInt64, in table: UnsafeBufferPointer<UInt64>, mask: Int) -> Int {
        var i = Int(truncatingIfNeeded: hash) & mask
        while table[i] != 0 && table[i] != hash { i = (i + 1) & mask }
        return i
    }

    private mutating func grow() { resize(toHold: count) }

    /// Rehashes into a table at most half full with `total` hashes (doubled until it is).
    private mutating func resize(toHold total: Int) {
        var size = slots.count
        while total * 2 > size { size *= 2 }
        guard size > slots.count else { return }
        let old = slots
        slots = [UInt64](repeating: 0, count: size)
        mask = size - 1
        slots.withUnsafeMutableBufferPointer { table in
            for hash in old where hash != 0 { table[Self.slot(of: hash, in: UnsafeBufferPointer(table), mask: mask)] = hash }
        }
    }
}

/// One user set for the parallel workers of a run (`MetricsAccumulator.shareUsers`): each
/// worker puts its batches of users in under the lock (~10 µs a batch, every ~400 µs a worker
/// on the bench set), so that no set of each worker's is left to merge at the end (two sets
/// of the bench set's users, 16 MB each, were merged on one thread in ~25 ms while the other
/// core waited), and the run holds one table of its users instead of one a worker. For a few
/// workers only (`maxWorkers`): the lock is held ~2.5% of each worker's time and the table
/// grows under it, so more workers would wait on one another; past that each keeps its own.
public final class SharedUserSet: @unchecked Sendable {
    /// The most workers that share one set.
    public static let maxWorkers = 4

    // Unchecked: `set` and `taken` are only touched under `lock`.
    private let lock = NSLock()
    private var set = UserHashSet()
    private var taken = false

    public init() {}

    func insert(contentsOf hashes: UnsafeBufferPointer<UInt64>) {
        lock.lock()
        defer { lock.unlock() }
        precondition(!taken, "users put into a shared set after it was taken")
        set.insert(contentsOf: hashes)
    }

    /// The set, once every worker is done with it: taken once, and closed (a worker that put
    /// more users in after this would lose them; it stops instead).
    func take() -> UserHashSet {
        lock.lock()
        defer { lock.unlock() }
        precondition(!taken, "a shared user set taken twice")
        taken = true
        let all = set
        set = UserHashSet()
        return all
    }
}
