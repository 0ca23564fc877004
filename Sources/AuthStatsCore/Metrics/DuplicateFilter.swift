import Foundation

/// Exact duplicate detection in bounded memory (`docs/metrics.md` "Duplicates").
///
/// The fingerprints of the latest events are logged in memory (`FingerprintLog`), up to
/// `capacity`, in reading order. When that fills, they are sorted and written to the
/// `SpillStore` as runs, one for each day group, and memory starts over. At the end, the runs
/// and the last window are merged (`resolve()`): every copy after the first of a fingerprint
/// on a day is a duplicate, and is reported so that its counts can be taken back. (A copy has its record's
/// day; the same key on two days is two events, `docs/metrics.md` "Duplicates". So copies
/// share a day group, `group(ofDay:)`, and each group is resolved on its own.) Of several
/// copies, the one from the earliest input (its position: file, then member; within an
/// input, the first read) is kept, whichever worker read it, so parallel and sequential runs
/// agree.
///
/// Every event is counted when read and duplicates are taken back at the end, near or far
/// apart alike: the same counts as catching a near copy at once, without a hash lookup per
/// event (duplicate deliveries are rare).
///
/// Memory: 48 bytes per fingerprint in the window, plus ~9 bytes each while it is sorted and
/// split by day group (and 4 more for the window's part at the end), and a read buffer per
/// run while resolving. Without a store (or if writing to it fails) nothing is spilled: still
/// exact, but memory then grows with the events.
public struct DuplicateFilter: Sendable, InOrderRunOwner {
    /// Where an event was counted, so that a later duplicate can be taken back.
    public struct Counted: Sendable, Equatable {
        public var day: Int32
        public var profile: UInt32
        public var kind: EventKind
        /// Position of the input stream that counted it (`InputReport.position`).
        public var input: UInt64
        /// The user it made active, if it is an activity event with a user.
        public var user: UInt64?
        /// Why `--pinpoint-parity` left it out, if it did: then it was counted in no table, only
        /// as skipped and in `left_out`, and a copy of it is a duplicate all the same
        /// (`docs/metrics.md` "Pinpoint parity"); its `profile` is 0 and means nothing.
        public var leftOut: ParityReason?

        public init(day: Int32, profile: UInt32, kind: EventKind, input: UInt64, user: UInt64? = nil, leftOut: ParityReason? = nil) {
            self.day = day
            self.profile = profile
            self.kind = kind
            self.input = input
            self.user = user
            self.leftOut = leftOut
        }
    }

    public static let defaultCapacity = 1 << 18

    /// How many day groups the fingerprints fall into (`group(ofDay:)`).
    public static let dayGroups = 8

    /// The group of a fingerprint of day `day`: every copy of a record has the record's day,
    /// so copies share a group, and groups are resolved apart (`resolveByGroup`). A nightly
    /// state keeps a stream of fingerprints per group (`Analysis.Stream.fingerprints(bucket:)`).
    @inline(__always)
    public static func group(ofDay day: Int32) -> Int { Int(day) & (dayGroups - 1) }
    public static var entryBytes: Int { FingerprintLog.entryBytes }

    let capacity: Int
    let store: (any SpillStore)?
    private var window: FingerprintLog
    var runs: [SpilledRun] = []
    /// Why spilling stopped, if it did (the run goes on, in memory).
    public internal(set) var spillFailure: String?
    /// The run `insertInOrder` is writing, the merge key of its last entry, and the runs it
    /// started (`InOrderRunOwner`).
    var inOrder: InOrderRun?
    private var orderedLast: (UInt64, UInt64, UInt64) = (0, 0, 0)
    var inOrderRuns = 0
    /// The group of the fingerprints `insertInOrder` is taking (`SpilledRun.group`): the runs
    /// it fills are tagged with it.
    private var inOrderGroup: Int?
    /// Set once resolved: the fingerprints are gone, so the filter can no longer take part
    /// in a merge.
    public private(set) var isResolved = false

    public init(capacity: Int = DuplicateFilter.defaultCapacity, store: (any SpillStore)? = nil) {
        self.capacity = max(capacity, 1)
        self.store = store
        window = FingerprintLog(reserve: min(self.capacity, 1 << 22))
    }

    /// The first words and the days of the fingerprints logged, when they are all in the
    /// window (nil once some were spilled, or resolved).
    func windowFingerprints() -> BatchFingerprints? {
        guard runs.isEmpty, inOrder == nil, !isResolved else { return nil }
        var words = UserHashSet()
        var days = Set<Int32>()
        var lastDay: Int32?
        window.bytes.withUnsafeBytes { raw in
            for offset in stride(from: 0, to: raw.count, by: Self.entryBytes) {
                words.insert(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
                // (A file's events come a day at a time: one insert per change of day.)
                let day = Int32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 16, as: Int32.self))
                if day != lastDay {
                    days.insert(day)
                    lastDay = day
                }
            }
        }
        return BatchFingerprints(highWords: words, days: days)
    }

    /// Logs the fingerprint of an event counted as `counted`.
    @inline(__always)
    public mutating func insert(_ fingerprint: Fingerprint, _ counted: Counted) {
        window.append(fingerprint, counted)
        if window.count >= capacity { spill() }
    }

    /// Logs a fingerprint of a stream already in merge order (a nightly state's, written by
    /// `resolve(keepByGroup:)`): straight into a run of the store, with no copy in memory and no sort
    /// (`InOrderRunOwner`); one that sorts before the one before it starts a new run.
    /// `endInOrder()` closes the run.
    /// `group`: the fingerprint's group (`SpilledRun.group`), nil when not known; a new group
    /// starts a new run.
    public mutating func insertInOrder(_ fingerprint: Fingerprint, _ counted: Counted, group: Int? = nil) {
        if group != inOrderGroup {
            closeInOrder()
            inOrderGroup = group
        }
        let key = (fingerprint.high, fingerprint.low, counted.input)
        let before = runs.count
        let taken = appendInOrder(breaksOrder: key < orderedLast, count: Self.entryBytes) {
            FingerprintLog.encode(fingerprint, counted, into: $0, at: 0)
        }
        tagRuns(from: before)
        guard taken else {
            return insert(fingerprint, counted)
        }
        orderedLast = key
    }

    /// Closes the run `insertInOrder` is writing, if any, tagged with its group.
    public mutating func closeInOrder() {
        let before = runs.count
        endInOrder()
        tagRuns(from: before)
    }

    /// Tags the runs from `start` on, closed while `inOrderGroup` was being taken in (a
    /// spill's runs carry their own).
    private mutating func tagRuns(from start: Int) {
        guard let inOrderGroup else { return }
        for i in start..<runs.count where runs[i].group == nil { runs[i].group = inOrderGroup }
    }

    static let inOrderBlockBytes = 4096 * entryBytes
    /// A state's fingerprints come in a stream per day bucket, each sorted by batch: a run
    /// for each bucket of each batch (`Analysis.Stream.fingerprintBuckets`).
    static let inOrderMaxRuns = Analysis.Stream.fingerprintBuckets * InOrderRun.maxRuns

    mutating func keepUnwritten(_ block: [UInt8]) {
        block.withUnsafeBytes { raw in
            for offset in stride(from: 0, to: raw.count, by: Self.entryBytes) {
                let (fingerprint, counted) = FingerprintLog.decode(raw, at: offset)
                insert(fingerprint, counted)
            }
        }
    }

    /// Takes in sorted runs that lie elsewhere, each of one group (a state's fingerprint
    /// streams read in place, `StateStreamRuns`).
    mutating func adopt(_ runs: [SpilledRun]) {
        precondition(!isResolved && runs.allSatisfy { $0.group != nil }, "runs adopted before resolving, each of one group")
        self.runs += runs
    }

    /// How many fingerprints are held in memory now.
    public var inMemory: Int { window.count }
    public var spilledRuns: Int { runs.count }

    /// Writes the window as sorted runs, one for each day group it holds
    /// (`group(ofDay:)`), a block of entries at a time. All or nothing: if a write fails, the
    /// runs written are removed and the window keeps every entry (a run kept as well would
    /// hold them twice).
    mutating func spill() {
        guard let store, spillFailure == nil, window.count > 0 else { return }
        var written: [Int] = []
        var spilled: [SpilledRun] = []
        do {
            let size = Self.entryBytes
            let parts = window.sortedOrderByGroup()
            try window.bytes.withUnsafeBytes { raw in
                for (group, order) in parts {
                    var writer = try RunWriter(store: store, entryBytes: size, blockEntries: 4096)
                    written.append(writer.id)
                    for i in order {
                        try writer.add { out, at in
                            out.baseAddress!.advanced(by: at).copyMemory(from: raw.baseAddress! + Int(i) * size, byteCount: size)
                        }
                    }
                    var run = try writer.finish()
                    run.group = group
                    spilled.append(run)
                }
            }
            runs += spilled
            window.removeAll()
        } catch {
            for id in written { store.remove(run: id) }
            spillFailure = "\(error)"
        }
    }

    /// Takes in `other`. `profileMap` maps its profile ids to ours. Its copies of our events
    /// (and ours of its) are found by `resolve()`, like any other.
    mutating func absorb(_ other: DuplicateFilter, profileMap: [UInt32]) {
        precondition(!isResolved && !other.isResolved, "merge accumulators before resolving their duplicates")
        precondition(other.inOrder == nil, "end the run in order before the filter is merged")
        runs += other.runs.map { $0.remapped(by: profileMap) }
        other.window.bytes.withUnsafeBytes { raw in
            for offset in stride(from: 0, to: raw.count, by: Self.entryBytes) {
                let (fingerprint, counted) = FingerprintLog.decode(raw, at: offset) { profileMap[Int($0)] }
                insert(fingerprint, counted)
            }
        }
    }

    /// Finds the duplicates: every copy of a fingerprint on a day after the first (earliest
    /// input, then reading order), over the spilled runs and the window. With spilled runs, they are
    /// read and removed, and the filter is `isResolved`; when everything is in memory, the
    /// first copies stay, so the filter can still be merged (and resolved again).
    /// - Complexity: O(n log r) for n fingerprints in r runs.
    /// - Parameter besideSessions: the sessions are merged on a thread of their own meanwhile
    ///   (`Analysis.finishReading`), so the groups leave them a core (`resolveByGroup`).
    public mutating func resolve(besideSessions: Bool = false) -> [Counted] {
        resolve(keeping: false, besideSessions: besideSessions) { _, _, _ in }
    }

    /// As `resolve()`; `keep` sees each fingerprint that stays (the first copy of each) with
    /// its day group (`group(ofDay:)`): each group's in fingerprint order, from one thread at
    /// a time, but two groups' may come at once, from two threads. Not escaping (an optional
    /// closure would be): what it captures is then reached without a retain or an exclusivity
    /// check per fingerprint.
    public mutating func resolve(keepByGroup keep: (Int, Fingerprint, Counted) -> Void) -> [Counted] {
        resolve(keeping: true, keep: keep)
    }

    private mutating func resolve(keeping: Bool, besideSessions: Bool = false, keep: (Int, Fingerprint, Counted) -> Void) -> [Counted] {
        guard !isResolved else { return [] }
        closeInOrder()
        if !runs.isEmpty, runs.allSatisfy({ $0.group != nil }) {
            return resolveByGroup(keeping: keeping, besideSessions: besideSessions, keep: keep)
        }
        if runs.isEmpty { return resolveInMemory(keeping: keeping, keep: keep) }
        // The window is read from memory, sorted, as one more run after the spilled ones
        // (it was read after them).
        var cursors = runs.map { RunCursor(run: $0) }
        if window.count > 0 { cursors.append(RunCursor(memory: window.bytes, order: window.sortedOrder())) }
        let duplicates = Self.merge(&cursors, decodingKept: keeping) { fingerprint, counted in
            keep(Self.group(ofDay: counted.day), fingerprint, counted)
        }
        window = FingerprintLog()
        removeRuns()
        return duplicates
    }

    /// `resolve` when every fingerprint is in the window (a day's files, a night's batch): its
    /// entries in sorted order, as `merge` takes them from one cursor, and the first copies
    /// kept as the new window, each copied as it lies; only copies, and the kept ones when
    /// `keeping`, are decoded. (Through `merge`, every entry was decoded and encoded again
    /// behind a heap of one cursor: ~270 instructions an entry, ~3 ms of a day's run on one
    /// core while the other waited.)
    private mutating func resolveInMemory(keeping: Bool, keep: (Int, Fingerprint, Counted) -> Void) -> [Counted] {
        let order = window.sortedOrder()
        let size = Self.entryBytes
        var duplicates: [Counted] = []
        let kept = window.bytes.withUnsafeBytes { raw in
            [UInt8](unsafeUninitializedCapacity: raw.count) { out, initialized in
                var written = 0
                var rule = CopyRule()
                for entry in order {
                    let p = Int(entry) * size
                    let high = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: p, as: UInt64.self))
                    let low = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: p + 8, as: UInt64.self))
                    let day = Int32(littleEndian: raw.loadUnaligned(fromByteOffset: p + 16, as: Int32.self))
                    if rule.isCopy(high, low, day: day) {
                        duplicates.append(FingerprintLog.decode(raw, at: p).1)
                        continue
                    }
                    UnsafeMutableRawPointer(out.baseAddress! + written).copyMemory(from: raw.baseAddress! + p, byteCount: size)
                    written += size
                    if keeping {
                        let (fingerprint, counted) = FingerprintLog.decode(raw, at: p)
                        keep(Self.group(ofDay: day), fingerprint, counted)
                    }
                }
                initialized = written
            }
        }
        window = FingerprintLog(bytes: kept)
        return duplicates
    }

    /// `resolve` when every spilled run holds one group (`SpilledRun.group`: the window's
    /// spills, split by day group, and a nightly state's bucket streams): equal fingerprints
    /// lie in one group, so each group's runs, and its part of the window, are merged on
    /// their own, with a heap of that group's runs only, two groups at a time on two threads
    /// (one beside the sessions on two cores, below).
    /// (A merge of 8 shard states, 64 runs: 370 ms of one thread for its duplicates before;
    /// a shard of two, writing its fingerprints as they are found: ~300 ms.)
    private mutating func resolveByGroup(keeping: Bool, besideSessions: Bool, keep: (Int, Fingerprint, Counted) -> Void) -> [Counted] {
        // Each group's runs in the order of `runs`, then its part of the window (read after
        // them), so that equal fingerprints of one input come out earliest run first, as in
        // one merge.
        var byGroup: [Int: [SpilledRun]] = [:]
        for run in runs { byGroup[run.group!, default: []].append(run) }
        var windowParts: [Int: [UInt32]] = [:]
        for (group, order) in window.count > 0 ? window.sortedOrderByGroup() : [] { windowParts[group] = Array(order) }
        let memory = window.bytes
        let groups = Set(byGroup.keys).union(windowParts.keys).sorted()
        // Two groups at a time, except beside the sessions (a plain run's, a merge's): those are
        // merged on a thread of their own meanwhile, the longer chain, and on two cores a second
        // resolving thread only took their core (a merge of eight shard states 0.44 → 0.41 s,
        // alternated; a plain run the same).
        let threads = besideSessions ? min(2, max(1, ProcessInfo.processInfo.activeProcessorCount - 1)) : 2
        let found = concurrentMap(count: groups.count, threads: threads) { index in
            let group = groups[index]
            var cursors = (byGroup[group] ?? []).map { RunCursor(run: $0) }
            if let order = windowParts[group] { cursors.append(RunCursor(memory: memory, order: order)) }
            // (`keep` is called only when `keeping`.)
            let duplicates = Self.merge(&cursors, decodingKept: keeping) { fingerprint, counted in
                keep(group, fingerprint, counted)
            }
            // Read: removed on this group's thread (unlinking them all after the merge took
            // a shard of eight ~7 ms alone).
            for run in byGroup[group] ?? [] { run.store.remove(run: run.id) }
            return duplicates
        }
        window = FingerprintLog()
        forgetRuns()
        return Array(found.joined())
    }

    /// Merges `cursors` by fingerprint: `keep` sees the first copy of each fingerprint on each
    /// day (earliest input, then earliest cursor), in fingerprint order, when `decodingKept`
    /// (a plain run keeps none: decoding each was ~15% of its merge); the other copies are
    /// returned.
    /// - Complexity: O(n log r) for n fingerprints in r cursors. (Inlined, with
    /// `RunCursor.entry`, so that `keep` is too: as a function of its own it cost a state's
    /// write 32 M instructions over 400 files; inlined, 8 M.)
    @inline(__always)
    private static func merge(
        _ cursors: inout [RunCursor], decodingKept: Bool, keep: (Fingerprint, Counted) -> Void
    ) -> [Counted] {
        // Equal fingerprints come out earliest input first (then earliest run), so that copy is kept.
        let heap = LoserTree(order: NaturalOrder<RunHead>(), cursors.indices.map { cursors[$0].head($0) })
        var duplicates: [Counted] = []
        var rule = CopyRule()
        while let top = heap.top {
            let index = top.cursor
            let fingerprint = Fingerprint(high: top.high, low: top.low)
            // Only copies (rare), and kept entries when `decodingKept`, are decoded whole.
            if rule.isCopy(top.high, top.low, day: top.day) {
                duplicates.append(cursors[index].entry.counted)
            } else if decodingKept {
                keep(fingerprint, cursors[index].entry.counted)
            }
            cursors[index].advance()
            if let head = cursors[index].head(index) { heap.replaceTop(head) } else { heap.pop() }
        }
        return duplicates
    }

    /// After a merge over the spilled runs: they are read, and removed.
    private mutating func removeRuns() {
        for run in runs { run.store.remove(run: run.id) }
        forgetRuns()
    }

    /// The runs are read and removed (`resolveByGroup` removes each group's on its thread).
    private mutating func forgetRuns() {
        isResolved = true
        runs.removeAll()
    }
}

/// Which fingerprints, met in merge order (by fingerprint, then input), are copies: every
/// one after the first of its key on its day. A copy has its record's day, so the same key on
/// another day is another event (`docs/metrics.md` "Duplicates").
struct CopyRule {
    private var last: (high: UInt64, low: UInt64)?
    /// The day `last` was first met on, and any other days it was met on (almost always none).
    private var lastDay: Int32 = 0
    private var otherDays: [Int32] = []

    @inline(__always)
    mutating func isCopy(_ high: UInt64, _ low: UInt64, day: Int32) -> Bool {
        if let last, last.high == high && last.low == low {
            if day == lastDay || otherDays.contains(day) { return true }
            otherDays.append(day)
            return false
        }
        last = (high, low)
        lastDay = day
        if !otherDays.isEmpty { otherDays.removeAll(keepingCapacity: true) }
        return false
    }
}

/// A cursor's current entry in the merge: by fingerprint, then input, then cursor.
struct RunHead: Comparable {
    var high: UInt64, low: UInt64, input: UInt64
    var cursor: Int
    /// The entry's day: not part of the order (equal keys of two days are two events, told
    /// apart by `DuplicateFilter.merge`).
    var day: Int32

    @inline(__always)
    static func < (a: RunHead, b: RunHead) -> Bool { (a.high, a.low, a.input, a.cursor) < (b.high, b.low, b.input, b.cursor) }
}

/// One sorted run in the merge (`RunReader`: a spilled one, or the window in memory in its
/// sorted order), its entries decoded here.
struct RunCursor {
    struct Entry {
        var fingerprint: Fingerprint
        var counted: DuplicateFilter.Counted
    }

    static let blockEntries = 256
    let run: SpilledRun?
    private var reader: RunReader

    init(run: SpilledRun) {
        self.run = run
        reader = RunReader(run: run, entryBytes: DuplicateFilter.entryBytes, blockEntries: Self.blockEntries)
    }

    init(memory: [UInt8], order: [UInt32]) {
        run = nil
        reader = RunReader(memory: memory, order: order, entryBytes: DuplicateFilter.entryBytes)
    }

    /// The current entry's merge key, as cursor `index`; nil at the end.
    @inline(__always)
    func head(_ index: Int) -> RunHead? {
        guard let p = reader.position else { return nil }
        return reader.bytes.withUnsafeBytes { raw in
            RunHead(
                high: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: p, as: UInt64.self)),
                low: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: p + 8, as: UInt64.self)),
                input: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: p + 24, as: UInt64.self)), cursor: index,
                day: Int32(littleEndian: raw.loadUnaligned(fromByteOffset: p + 16, as: Int32.self)))
        }
    }

    /// The current entry, decoded (its profile in the owner's ids); only valid before the end.
    /// (Inlined: it is read for every fingerprint kept.)
    @inline(__always)
    var entry: Entry {
        let run = self.run
        let p = reader.position!
        return reader.bytes.withUnsafeBytes { raw in
            let (fingerprint, counted) = FingerprintLog.decode(raw, at: p) { run?.profile($0) ?? $0 }
            return Entry(fingerprint: fingerprint, counted: counted)
        }
    }

    @inline(__always)
    mutating func advance() { reader.advance() }
}

/// What a batch's fingerprints tell of the state's that could be copies of them: a copy has
/// the same first word (`Fingerprint.high`) and the same day as its record.
struct BatchFingerprints {
    var highWords: UserHashSet
    var days: Set<Int32>
}
