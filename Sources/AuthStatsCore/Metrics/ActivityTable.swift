/// Who was active when, under which dimension profile: (user, day, profile) triples with
/// counts, in bounded memory.
///
/// The triples of the latest events are held in a hash table up to `capacity`; when it
/// fills, they are sorted and written to the `SpillStore` as a run, and memory starts over.
/// A stream that arrives in (user, day) order (a nightly state's) goes straight into runs
/// instead (`appendInOrder`), with no hash table and no sort. A parallel worker's window
/// that never spilled is sorted when the worker is done and merged in as it is
/// (`workerDone`, `absorb`), up to a window's worth, then written as runs too.
/// `groups()` merges the runs and what is in memory into one stream in (user, day) order,
/// summing the counts of a triple over all runs: a duplicate found at the end enters a
/// count of −1, so a triple that only it made goes away. Memory: ~32 bytes a triple in the
/// window, 24 in a sorted one; disk: 24 bytes a triple per run it was in.
public struct ActivityTable: Sendable, InOrderRunOwner {
    struct Key: Hashable, Sendable {
        var user: UInt64
        var day: Int32
        var profile: UInt32
    }

    public static let defaultCapacity = 1 << 19
    static let entryBytes = 24

    let capacity: Int
    let store: (any SpillStore)?
    private var counts = TripleCounts()
    /// Finished workers' windows, sorted (`workerDone()`), kept in memory beside the runs.
    private var sortedWindows: [[(Key, Int32)]] = []
    var runs: [SpilledRun] = []
    public internal(set) var spillFailure: String?
    /// The run `appendInOrder` is writing, the (user, day) of its last entry, and the runs it
    /// started (`InOrderRunOwner`).
    var inOrder: InOrderRun?
    private var orderedLast: (user: UInt64, day: Int32) = (0, 0)
    var inOrderRuns = 0

    public init(capacity: Int = ActivityTable.defaultCapacity, store: (any SpillStore)? = nil) {
        self.capacity = max(capacity, 1)
        self.store = store
    }

    public var spilledRuns: Int { runs.count }

    /// Adds `delta` events to the triple (user, day, profile).
    mutating func add(user: UInt64, day: Int32, profile: UInt32, _ delta: Int32) {
        counts.add(Key(user: user, day: day, profile: profile), delta)
        if counts.count >= capacity { spill() }
    }

    /// Adds one event to each of `keys` (`MetricsAccumulator.settle()`, a batch of events at a
    /// time: `TripleCounts.addOne(contentsOf:)`). The window spills after the batch when it
    /// is full, so it holds at most `capacity` triples and one batch's.
    mutating func addOne(contentsOf keys: UnsafeBufferPointer<Key>) {
        counts.addOne(contentsOf: keys)
        if counts.count >= capacity { spill() }
    }

    /// Adds a triple of a stream already in (user, day) order (a nightly state's, written from
    /// `groups()`): straight into a run of the store, with no hash table and no sort
    /// (`InOrderRunOwner`); one that sorts before the one before it starts a new run.
    /// `endInOrder()` closes the run. (Restoring a night's 60-day state hashed and re-sorted
    /// 12 MB of triples it had written sorted: the longer of the two restore threads.)
    mutating func appendInOrder(user: UInt64, day: Int32, profile: UInt32, _ count: Int32) {
        let key = Key(user: user, day: day, profile: profile)
        let taken = appendInOrder(breaksOrder: (user, day) < orderedLast, count: Self.entryBytes) {
            Self.encode(key, count, into: $0, at: 0)
        }
        guard taken else {
            return add(user: user, day: day, profile: profile, count)
        }
        orderedLast = (user, day)
    }

    static let inOrderBlockBytes = 4096 * entryBytes

    mutating func keepUnwritten(_ block: [UInt8]) {
        block.withUnsafeBytes { raw in
            for offset in stride(from: 0, to: raw.count, by: Self.entryBytes) {
                let (key, count) = Self.decode(raw, at: offset, profile: { $0 })
                add(user: key.user, day: key.day, profile: key.profile, count)
            }
        }
    }

    /// One entry of a run: user, day, profile and count, little-endian, then 4 zero bytes
    /// (written too: an in-order run's block is reused from one block to the next).
    @inline(__always)
    static func encode(_ key: Key, _ count: Int32, into raw: UnsafeMutableRawBufferPointer, at p: Int) {
        raw.storeBytes(of: key.user.littleEndian, toByteOffset: p, as: UInt64.self)
        raw.storeBytes(of: key.day.littleEndian, toByteOffset: p + 8, as: Int32.self)
        raw.storeBytes(of: key.profile.littleEndian, toByteOffset: p + 12, as: UInt32.self)
        raw.storeBytes(of: count.littleEndian, toByteOffset: p + 16, as: Int32.self)
        raw.storeBytes(of: 0 as UInt32, toByteOffset: p + 20, as: UInt32.self)
    }

    /// The entry at `offset` of a run's bytes; `profile` maps its profile id.
    @inline(__always)
    static func decode(_ raw: UnsafeRawBufferPointer, at p: Int, profile: (UInt32) -> UInt32) -> (Key, Int32) {
        let key = Key(
            user: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: p, as: UInt64.self)),
            day: Int32(littleEndian: raw.loadUnaligned(fromByteOffset: p + 8, as: Int32.self)),
            profile: profile(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: p + 12, as: UInt32.self))))
        return (key, Int32(littleEndian: raw.loadUnaligned(fromByteOffset: p + 16, as: Int32.self)))
    }

    /// Writes the window as one sorted run, a block of entries at a time.
    mutating func spill() {
        guard !counts.isEmpty else { return }
        let window = counts
        if writeRun({ body in try window.forEachSorted(body) }) { counts.removeAll() }
    }

    /// Writes entries that `entries` hands over in (user, day) order as one run; false when
    /// they could not be (no store, or writing failed: `spillFailure` says why).
    private mutating func writeRun(_ entries: (_ body: (Key, Int32) throws -> Void) throws -> Void) -> Bool {
        guard let store, spillFailure == nil else { return false }
        do {
            var writer = try RunWriter(store: store, entryBytes: Self.entryBytes, blockEntries: 4096)
            try entries { key, count in try writer.add { raw, at in Self.encode(key, count, into: raw, at: at) } }
            runs.append(try writer.finish())
            return true
        } catch {
            spillFailure = "\(error)"
            return false
        }
    }

    /// A worker's last act, on its thread (`Analysis.workerDone`): what spilled spills the
    /// rest; a window that never spilled is sorted and kept in memory, so that the merge of
    /// the workers appends it (`absorb`) where it added its triples one by one into the other
    /// worker's table, alone on one thread after both were done (a shard of eight, ~12 ms of
    /// its end). The window's table is freed: the sorted entries take 24 bytes a triple.
    mutating func workerDone() {
        guard runs.isEmpty else { return spillRestIfSpilled() }
        guard inOrder == nil, !counts.isEmpty else { return }
        sortedWindows.append(counts.sorted())
        counts = TripleCounts()
    }

    /// Takes in `other`; `profileMap` maps its profile ids to ours.
    mutating func absorb(_ other: ActivityTable, profileMap: [UInt32]) {
        precondition(other.inOrder == nil, "end the run in order before the table is merged")
        runs += other.runs.map { $0.remapped(by: profileMap) }
        // Still in (user, day) order with other profile ids: `ActivityGroups` sums a (user,
        // day)'s entries by profile whatever their order.
        let identity = profileMap.indices.allSatisfy { profileMap[$0] == UInt32($0) }
        sortedWindows += other.sortedWindows.map { window in
            identity ? window : window.map { key, count in (Key(user: key.user, day: key.day, profile: profileMap[Int(key.profile)]), count) }
        }
        // Past one window's worth in memory, the sorted windows go to the store as runs (as
        // the window would have, taking in their triples): the end phase holds no more than
        // a window, whatever the number of workers.
        if sortedWindows.reduce(0, { $0 + $1.count }) > capacity {
            var kept: [[(Key, Int32)]] = []
            for window in sortedWindows where !writeRun({ body in for (key, count) in window { try body(key, count) } }) {
                kept.append(window)
            }
            sortedWindows = kept
        }
        other.counts.forEach { key, count in
            add(user: key.user, day: key.day, profile: profileMap[Int(key.profile)], count)
        }
    }

    /// Every (user, day) with the profiles active on it, users and days ascending.
    func groups() -> ActivityGroups {
        precondition(inOrder == nil, "end the run in order before the table is read")
        return ActivityGroups(runs: runs, memory: sortedWindows + [counts.sorted()])
    }
}

/// The merged stream of an `ActivityTable`, one (user, day) at a time.
struct ActivityGroups {
    /// Reads one source: a spilled run (`RunReader`), or the sorted in-memory entries. The
    /// current entry is decoded once, when the cursor gets to it.
    struct Cursor {
        let run: SpilledRun?
        let memory: [(ActivityTable.Key, Int32)]
        /// The run's reader (empty for the entries in memory). Read in place, never copied: a
        /// copy per entry retains its buffers.
        private var reader: RunReader
        private var index = 0
        private(set) var entry: (ActivityTable.Key, Int32)?

        init(run: SpilledRun?, memory: [(ActivityTable.Key, Int32)]) {
            self.run = run
            self.memory = memory
            reader =
                run.map { RunReader(run: $0, entryBytes: ActivityTable.entryBytes, blockEntries: 1024) }
                ?? RunReader(memory: [], order: [], entryBytes: ActivityTable.entryBytes)
            decode()
        }

        mutating func advance() {
            if run != nil { reader.advance() } else { index += 1 }
            decode()
        }

        /// Decodes the current entry.
        private mutating func decode() {
            guard let run else {
                entry = index < memory.count ? memory[index] : nil
                return
            }
            guard let p = reader.position else {
                entry = nil
                return
            }
            entry = reader.bytes.withUnsafeBytes { ActivityTable.decode($0, at: p, profile: run.profile) }
        }
    }

    private var cursors: [Cursor]
    /// A cursor's current (user, day) in the merge, then the cursor.
    struct Head: Comparable {
        var user: UInt64, day: Int32, cursor: Int

        @inline(__always)
        static func < (a: Head, b: Head) -> Bool { (a.user, a.day, a.cursor) < (b.user, b.day, b.cursor) }
    }

    private let heap: LoserTree<NaturalOrder<Head>>

    /// `memory`: sorted entries held in memory (each in (user, day) order).
    init(runs: [SpilledRun], memory: [[(ActivityTable.Key, Int32)]]) {
        let cursors = runs.map { Cursor(run: $0, memory: []) } + memory.map { Cursor(run: nil, memory: $0) }
        heap = LoserTree(order: NaturalOrder(), cursors.indices.map { i in cursors[i].entry.map { Head(user: $0.0.user, day: $0.0.day, cursor: i) } })
        self.cursors = cursors
    }

    /// Reused by `next()`: the (profile, count) entries of the current (user, day).
    private var entries: [(profile: UInt32, count: Int32)] = []

    /// The next (user, day); `profiles` is set to the profiles whose summed count there is
    /// positive, ascending (possibly none, when every event of that day was taken back as a
    /// duplicate). Reusing `profiles` keeps the report pass free of per-user allocations.
    mutating func next(profiles: inout [UInt32]) -> (user: UInt64, day: Int32)? {
        guard let key = gather() else { return nil }
        profiles.removeAll(keepingCapacity: true)
        forEachSum { profile, sum in if sum > 0 { profiles.append(profile) } }
        return key
    }

    /// The next (user, day); `sums` is set to each profile's summed count there, profiles
    /// ascending (a sum may be 0 or less when duplicates were taken back).
    mutating func next(sums: inout [(profile: UInt32, count: Int32)]) -> (user: UInt64, day: Int32)? {
        guard let key = gather() else { return nil }
        sums.removeAll(keepingCapacity: true)
        forEachSum { sums.append(($0, $1)) }
        return key
    }

    /// Moves every cursor past the smallest (user, day), collecting its entries in `entries`.
    private mutating func gather() -> (user: UInt64, day: Int32)? {
        guard let first = heap.top else { return nil }
        let (user, day) = (first.user, first.day)
        entries.removeAll(keepingCapacity: true)
        // Every cursor at this (user, day), in heap order: take its entries of it, then put it
        // back at its next (user, day).
        while let top = heap.top, top.user == user, top.day == day {
            let source = top.cursor
            while let (key, count) = cursors[source].entry, key.user == user, key.day == day {
                entries.append((key.profile, count))
                cursors[source].advance()
            }
            if let (key, _) = cursors[source].entry {
                heap.replaceTop(Head(user: key.user, day: key.day, cursor: source))
            } else {
                heap.pop()
            }
        }
        return (user, day)
    }

    /// Calls `body` with each profile of `entries` and its summed count, profiles ascending.
    @inline(__always)
    private mutating func forEachSum(_ body: (UInt32, Int32) -> Void) {
        if entries.count == 1 { return body(entries[0].profile, entries[0].count) }
        entries.sort { $0.profile < $1.profile }
        var i = 0
        while i < entries.count {
            let profile = entries[i].profile
            var sum: Int32 = 0
            while i < entries.count && entries[i].profile == profile {
                sum += entries[i].count
                i += 1
            }
            body(profile, sum)
        }
    }
}
