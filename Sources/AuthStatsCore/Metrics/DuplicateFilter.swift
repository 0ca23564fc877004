/// Exact duplicate detection in bounded memory (`metrics.md` §3).
///
/// The fingerprints of the latest events are held in memory, up to `capacity`. When that
/// fills, they are sorted and written to the `SpillStore` as a run, and memory starts over.
/// A duplicate inside the window is caught at once; one across windows is found at the end
/// by merging the sorted runs (`resolve()`), and reported so that its counts can be taken
/// back. Of several copies, the one from the earliest input (its position: file, then
/// member) is kept, whichever worker read it, so parallel and sequential runs agree.
///
/// Memory: about 90 bytes per fingerprint in the window (24-byte slots kept at most half full, and the 40-byte values), plus a read buffer per run while
/// resolving. Without a store (or if writing to it fails) nothing is spilled: still exact,
/// but memory then grows with the events.
public struct DuplicateFilter: Sendable {
    /// Where an event was counted, so that a later duplicate can be taken back.
    public struct Counted: Sendable, Equatable {
        public var day: Int32
        public var profile: UInt32
        public var kind: EventKind
        /// Position of the input stream that counted it (`InputReport.position`).
        public var input: UInt64
        /// The user it made active, if it is an activity event with a user.
        public var user: UInt64?

        public init(day: Int32, profile: UInt32, kind: EventKind, input: UInt64, user: UInt64? = nil) {
            self.day = day
            self.profile = profile
            self.kind = kind
            self.input = input
            self.user = user
        }
    }

    public static let defaultCapacity = 1 << 18
    static let entryBytes = 48

    let capacity: Int
    let store: (any SpillStore)?
    private var recent: FingerprintTable
    private var runs: [SpilledRun] = []
    /// Why spilling stopped, if it did (the run goes on, in memory).
    public private(set) var spillFailure: String?
    /// Set once spilled runs were resolved: their fingerprints are gone, so the filter can no
    /// longer take part in a merge.
    public private(set) var isResolved = false

    public init(capacity: Int = DuplicateFilter.defaultCapacity, store: (any SpillStore)? = nil) {
        self.capacity = max(capacity, 1)
        self.store = store
        recent = FingerprintTable(capacity: min(self.capacity, 1 << 16), reserve: min(self.capacity, 1 << 22))
    }

    /// Notes `fingerprint`; false if it was seen before in the current window (inputs are
    /// read in increasing position, so the copy held is the earlier one).
    public mutating func insert(_ fingerprint: Fingerprint, _ counted: Counted) -> Bool {
        guard recent.insertIfAbsent(fingerprint, counted) else { return false }
        if recent.count >= capacity { spill() }
        return true
    }

    /// How many fingerprints are held in memory now.
    public var inMemory: Int { recent.count }
    public var spilledRuns: Int { runs.count }

    /// Writes the window as one sorted run, a block of entries at a time.
    private mutating func spill() {
        guard let store, spillFailure == nil, recent.count > 0 else { return }
        do {
            var writer = try RunWriter(store: store, entryBytes: Self.entryBytes, blockEntries: RunCursor.blockEntries)
            try recent.forEachSorted { fingerprint, counted in
                try writer.add { Self.encode(fingerprint, counted, into: $0, at: $1) }
            }
            runs.append(try writer.finish())
            recent.removeAll()
        } catch {
            spillFailure = "\(error)"
        }
    }

    /// Takes in `other`. `profileMap` maps its profile ids to ours. Returns the copies that
    /// lost to an earlier one held here (or that displaced one held here, which is returned
    /// instead): their counts are to be taken back.
    mutating func absorb(_ other: DuplicateFilter, profileMap: [UInt32]) -> [Counted] {
        precondition(!isResolved && !other.isResolved, "merge accumulators before resolving their duplicates")
        var duplicates: [Counted] = []
        runs += other.runs.map { $0.remapped(by: profileMap) }
        other.recent.forEach { fingerprint, counted in
            var counted = counted
            counted.profile = profileMap[Int(counted.profile)]
            if let held = recent[fingerprint] {
                if counted.input < held.input {
                    recent.set(fingerprint, counted)
                    duplicates.append(held)
                } else {
                    duplicates.append(counted)
                }
            } else {
                recent.set(fingerprint, counted)
                if recent.count >= capacity { spill() }
            }
        }
        return duplicates
    }

    /// Finds the duplicates that lie in different windows: every copy after the first.
    /// Without spilled runs there are none and nothing changes; with them, the runs are read
    /// and removed, and the filter is `isResolved`.
    /// - Complexity: O(n log r) for n spilled fingerprints in r runs.
    public mutating func resolve() -> [Counted] {
        guard !runs.isEmpty else { return [] }
        isResolved = true
        spill()
        if recent.count > 0 {
            // Spilling failed (or this filter has no store): resolve against memory too.
            return resolveWithMemory()
        }
        var cursors = runs.map { RunCursor(run: $0) }
        // Equal fingerprints come out earliest input first (then earliest run), so that copy is kept.
        var heap = BinaryHeap<(Fingerprint, UInt64, Int)> { a, b in (a.0.high, a.0.low, a.1, a.2) < (b.0.high, b.0.low, b.1, b.2) }
        for index in cursors.indices {
            if let head = cursors[index].current { heap.push((head.fingerprint, head.counted.input, index)) }
        }
        var duplicates: [Counted] = []
        var last: Fingerprint?
        while let (fingerprint, _, index) = heap.pop() {
            if fingerprint == last, let entry = cursors[index].current { duplicates.append(entry.counted) }
            last = fingerprint
            cursors[index].advance()
            if let head = cursors[index].current { heap.push((head.fingerprint, head.counted.input, index)) }
        }
        for run in runs { run.store.remove(run: run.id) }
        runs.removeAll()
        return duplicates
    }

    /// The fallback when a spill failed: read the runs back into memory.
    private mutating func resolveWithMemory() -> [Counted] {
        var all: [Fingerprint: Counted] = [:]
        recent.forEach { all[$0] = $1 }
        var duplicates: [Counted] = []
        for run in runs {
            var cursor = RunCursor(run: run)
            while let entry = cursor.current {
                if let held = all[entry.fingerprint] {
                    let (keep, lose) = entry.counted.input < held.input ? (entry.counted, held) : (held, entry.counted)
                    all[entry.fingerprint] = keep
                    duplicates.append(lose)
                } else {
                    all[entry.fingerprint] = entry.counted
                }
                cursor.advance()
            }
            run.store.remove(run: run.id)
        }
        runs.removeAll()
        return duplicates
    }

    /// Writes one 48-byte entry at `offset` (the buffer is zeroed: padding stays 0).
    @inline(__always)
    static func encode(_ fingerprint: Fingerprint, _ counted: Counted, into raw: UnsafeMutableRawBufferPointer, at offset: Int) {
        raw.storeBytes(of: fingerprint.high.littleEndian, toByteOffset: offset, as: UInt64.self)
        raw.storeBytes(of: fingerprint.low.littleEndian, toByteOffset: offset + 8, as: UInt64.self)
        raw.storeBytes(of: counted.day.littleEndian, toByteOffset: offset + 16, as: Int32.self)
        raw.storeBytes(of: counted.profile.littleEndian, toByteOffset: offset + 20, as: UInt32.self)
        raw.storeBytes(of: counted.input.littleEndian, toByteOffset: offset + 24, as: UInt64.self)
        raw.storeBytes(of: (counted.user ?? 0).littleEndian, toByteOffset: offset + 32, as: UInt64.self)
        raw[offset + 40] = counted.kind.rawValue
        raw[offset + 41] = counted.user == nil ? 0 : 1
    }
}

/// Reads one spilled run back, a block at a time.
struct RunCursor {
    struct Entry {
        var fingerprint: Fingerprint
        var counted: DuplicateFilter.Counted
    }

    static let blockEntries = 1024
    let run: SpilledRun
    private var block: [UInt8] = []
    private var position = 0
    private var consumed = 0
    private(set) var current: Entry?

    init(run: SpilledRun) {
        self.run = run
        load()
    }

    mutating func advance() {
        position += DuplicateFilter.entryBytes
        consumed += 1
        if position >= block.count { load() } else { decode() }
    }

    private mutating func load() {
        let size = DuplicateFilter.entryBytes
        let remaining = run.count - consumed
        guard remaining > 0,
            let bytes = try? run.store.read(run: run.id, offset: consumed * size, count: min(remaining, Self.blockEntries) * size),
            bytes.count >= size
        else {
            current = nil
            return
        }
        block = bytes
        position = 0
        decode()
    }

    private mutating func decode() {
        block.withUnsafeBytes { raw in
            let p = position
            let high = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: p, as: UInt64.self))
            let low = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: p + 8, as: UInt64.self))
            let day = Int32(littleEndian: raw.loadUnaligned(fromByteOffset: p + 16, as: Int32.self))
            let profile = run.profile(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: p + 20, as: UInt32.self)))
            let input = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: p + 24, as: UInt64.self))
            let user = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: p + 32, as: UInt64.self))
            let kind = EventKind(rawValue: raw[p + 40]) ?? .other
            let hasUser = raw[p + 41] == 1
            current = Entry(
                fingerprint: Fingerprint(high: high, low: low),
                counted: .init(day: day, profile: profile, kind: kind, input: input, user: hasUser ? user : nil))
        }
    }
}

