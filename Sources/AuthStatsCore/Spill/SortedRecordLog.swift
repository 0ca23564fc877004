/// Variable-length byte records sorted in bounded memory (an external merge sort): the
/// machinery under the session log and the profile log.
///
/// Records are kept in one byte arena up to `memoryBudget`; when it fills, they are sorted by
/// their bytes and written to the `SpillStore` as a run of `[UInt32 length][bytes]` frames.
/// Arenas of other logs merged into this one (`absorb`) are kept beside it up to another
/// budget, and spilled with it: at most twice the budget in memory, and beside it the room a
/// spill sorts keys in (`SortRoom`, 40 bytes a record: about half the budget for records of
/// 70 bytes), which a spill needs at its peak anyway; kept from one spill to the next when it
/// is large enough for a mapping of its own.
/// `withSorted` merges the runs and what is in memory into one stream in byte order, so a
/// record layout that leads with its grouping key (a user) brings each group together,
/// whatever order the input had. Without a store nothing is spilled (exact, but memory grows
/// with the records).
public struct SortedRecordLog: Sendable, InOrderRunOwner {
    let memoryBudget: Int
    let store: (any SpillStore)?
    private(set) var arena: [UInt8] = []
    /// (offset, length) of each record in `arena`.
    private var spans: [(Int, Int)] = []
    var runs: [SpilledRun] = []
    /// Records taken in from other logs (`absorb`), each in the arena it was written to: sorted
    /// when this log is read, by the thread reading it (the session log: beside the
    /// duplicates), not copied into this arena and spilled by the merge of the workers, which
    /// runs on one thread while the other cores wait. At most `memoryBudget` bytes of them
    /// (`absorbedBytes`).
    private var absorbed: [(arena: [UInt8], spans: [(Int, Int)])] = []
    /// The absorbed records' bytes and spans, as `isFull` counts them (a few arenas at most).
    private var absorbedBytes: Int { absorbed.reduce(0) { $0 + Self.bytes($1.arena, $1.spans) } }
    public internal(set) var spillFailure: String?
    /// Where a spill sorts its records' keys, kept from one spill to the next (`SortRoom`).
    private var sortRoom: SortRoom?
    /// The run `appendInOrder` is writing, its last record (the next must not sort before it),
    /// and the runs it started (`InOrderRunOwner`).
    var inOrder: InOrderRun?
    private var orderedLast: [UInt8] = []
    private var orderedLastCount = 0
    var inOrderRuns = 0

    public init(memoryBudget: Int, store: (any SpillStore)?) {
        self.memoryBudget = max(memoryBudget, 1)
        self.store = store
    }

    public var spilledRuns: Int { runs.count }
    /// The sort room kept from the last spill, if any (for tests of its lifetime).
    var keptSortRoom: AnyObject? { sortRoom }
    /// Records held in this log's own arena (those `append` indexes; not those absorbed).
    var count: Int { spans.count }
    var isEmpty: Bool { spans.isEmpty && runs.isEmpty && absorbed.isEmpty }

    /// Appends one record, written by `encode` to the end of the arena. Returns its index
    /// among the records in memory, valid until the next spill.
    @discardableResult
    mutating func append(_ encode: (inout [UInt8]) -> Void) -> Int {
        if arena.capacity == 0 { reserve() }
        let start = arena.count
        encode(&arena)
        spans.append((start, arena.count - start))
        return spans.count - 1
    }

    /// Whether the records in this log's own arena fill the budget (then `spill()` is due; it
    /// writes those absorbed too).
    var isFull: Bool { arena.count + spans.count * 16 >= memoryBudget }

    /// Calls `body` with the bytes of record `index` (one `append` returned, before a spill).
    func withRecord<R>(_ index: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let (offset, length) = spans[index]
        return arena.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[offset..<offset + length])) }
    }

    /// Changes record `index` in place (not its length).
    mutating func update(record index: Int, _ body: (UnsafeMutableRawBufferPointer) -> Void) {
        let (offset, length) = spans[index]
        arena.withUnsafeMutableBytes { body(UnsafeMutableRawBufferPointer(rebasing: $0[offset..<offset + length])) }
    }

    /// Room for a whole budget at once: growing by doubling would hold the old and the new
    /// copy together, half again the budget at the moment of each copy. Pages are only
    /// touched as records arrive.
    private mutating func reserve() {
        arena.reserveCapacity(memoryBudget)
        spans.reserveCapacity(memoryBudget / 64)
    }

    /// A record as the sort sees it: its first 24 bytes as three big-endian words (the same
    /// order as `memcmp`), and where it lies in its arena.
    typealias SortKey = (k0: UInt64, k1: UInt64, k2: UInt64, span: (Int, Int))

    /// Calls `body` with the records of `spans` in byte order. Each is compared first by its
    /// key's words, so records of one group (which share the first word) rarely need more;
    /// only on a tie by `memcmp` of the rest.
    ///
    /// The first word leads with the group key (a hash, uniformly spread, or an id's first
    /// bytes): a `BucketSort` on it, whose buckets hold a few records, mostly of one group.
    /// The keys are sorted in `room` when given (kept from one spill to the next), else in
    /// room of their own.
    private static func withSortedKeys<R>(
        _ arena: [UInt8], _ spans: [(Int, Int)], room: SortRoom?, _ body: (UnsafeBufferPointer<SortKey>) throws -> R
    ) rethrows -> R {
        try arena.withUnsafeBytes { raw in
            let base = raw.baseAddress!
            func less(_ a: SortKey, _ b: SortKey) -> Bool {
                if a.k0 != b.k0 { return a.k0 < b.k0 }
                if a.k1 != b.k1 { return a.k1 < b.k1 }
                if a.k2 != b.k2 { return a.k2 < b.k2 }
                let n = min(a.span.1, b.span.1)
                let c = n > 24 ? memcmp(base + a.span.0 + 24, base + b.span.0 + 24, n - 24) : 0
                return c != 0 ? c < 0 : a.span.1 < b.span.1
            }
            let keys = room?.keys(spans.count) ?? .allocate(capacity: spans.count)
            defer { if room == nil { keys.deallocate() } }
            BucketSort.sort(
                count: spans.count, item: { i -> SortKey in
                    let span = spans[i]
                    let (k0, k1, k2) = leadingWords(UnsafeRawBufferPointer(rebasing: raw[span.0..<span.0 + span.1]))
                    return (k0, k1, k2, span)
                }, lead: \.k0, by: less, into: keys)
            return try body(UnsafeBufferPointer(rebasing: keys[0..<spans.count]))
        }
    }

    /// The spans of the records in memory, in byte order of the records (`withSortedKeys`).
    private static func sortedSpans(_ arena: [UInt8], _ spans: [(Int, Int)], room: SortRoom?) -> [(Int, Int)] {
        withSortedKeys(arena, spans, room: room) { $0.map(\.span) }
    }

    /// The log's own `SortRoom` when no copy of the log shares it, for a read that consumes
    /// the log: its arenas are sorted there, not in new room beside it (which, with the room
    /// kept from the spills, was held twice at the end of the reading).
    private mutating func roomToConsume() -> SortRoom? {
        guard sortRoom != nil, isKnownUniquelyReferenced(&sortRoom) else { return nil }
        return sortRoom
    }

    /// This log's `SortRoom`, its own (a copy of the log that shares it takes a new one).
    private mutating func ownSortRoom() -> SortRoom {
        if sortRoom == nil || !isKnownUniquelyReferenced(&sortRoom) { sortRoom = SortRoom() }
        return sortRoom!
    }

    /// Writes the records in memory as sorted runs of `[UInt32 length][bytes]` frames (one for
    /// this log's arena, one for each it absorbed), a megabyte at a time (so spilling needs no
    /// second copy of the arena). Without a store, or once spilling failed, the records stay
    /// in memory.
    mutating func spill() {
        guard let store, spillFailure == nil else { return }
        do {
            if !spans.isEmpty {
                runs.append(try Self.writeRun(arena, spans, to: store, room: ownSortRoom()))
                arena.removeAll(keepingCapacity: true)
                spans.removeAll(keepingCapacity: true)
            }
            while let last = absorbed.last {
                runs.append(try Self.writeRun(last.arena, last.spans, to: store, room: ownSortRoom()))
                absorbed.removeLast()
            }
            if let room = sortRoom, !room.isOwnMapping { sortRoom = nil }
        } catch {
            spillFailure = "\(error)"
        }
    }

    /// The records of `spans` in `arena`, sorted, as a new run of `store`.
    private static func writeRun(
        _ arena: [UInt8], _ spans: [(Int, Int)], to store: any SpillStore, room: SortRoom? = nil
    ) throws -> SpilledRun {
        // Frames written in place into the run's block (`InOrderRun`: two
        // `append(contentsOf:)` calls a record were ~200 instructions of each spilled
        // session event and directory user).
        // A block no larger than what is spilled (it is zero-filled when made).
        let bytes = min(Self.inOrderBlockBytes, arena.count + 4 * spans.count)
        var run = try InOrderRun(store: store, blockBytes: bytes + Self.inOrderSlack)
        // `written` takes `run` inout: a local function that captured it made every use of
        // `run` an exclusivity check at run time (~76 instructions a spilled directory user).
        try withSortedKeys(arena, spans, room: room) { order in
            try arena.withUnsafeBytes { raw in
                for key in order {
                    let (offset, length) = key.span
                    let record = UnsafeRawBufferPointer(rebasing: raw[offset..<offset + length])
                    if run.add(count: 4 + length, { Self.frame(record, into: $0) }) >= Self.inOrderBlockBytes {
                        try written(&run, store)
                    }
                }
            }
        }
        try written(&run, store)
        return run.run
    }

    /// Writes out what `run` holds; a run that could not be written whole is dropped (its
    /// records stay in memory).
    private static func written(_ run: inout InOrderRun, _ store: any SpillStore) throws {
        guard let failure = run.flush() else { return }
        store.remove(run: run.id)
        throw failure.error
    }

    /// Appends a record of a stream that arrives in byte order (a nightly state's, written
    /// sorted): straight into a run of the store, with no copy in memory and no sort
    /// (`InOrderRunOwner`); a record that sorts before the one before it starts a new run.
    /// `endInOrder()` closes the run. (Restoring a state re-sorted what it had sorted.)
    mutating func appendInOrder(_ record: UnsafeRawBufferPointer) {
        let taken = appendInOrder(breaksOrder: sortsBeforeLast(record), count: 4 + record.count) { Self.frame(record, into: $0) }
        guard taken else {
            append { $0.append(contentsOf: record) }
            if isFull { spill() }
            return
        }
        // Kept in a buffer that only grows (a copy through `append(contentsOf:)` per record
        // was a tenth of the restore's instructions).
        if orderedLast.count < record.count { orderedLast = [UInt8](repeating: 0, count: max(record.count, 2 * orderedLast.count)) }
        if record.count > 0 { orderedLast.withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: record.baseAddress!, byteCount: record.count) } }
        orderedLastCount = record.count
    }

    /// Takes in a sorted run of frames that lies elsewhere (a state's session events read in
    /// place, `StateStreamRuns`).
    mutating func adopt(_ run: SpilledRun) {
        precondition(inOrder == nil, "end the run in order before a run is adopted")
        runs.append(run)
    }

    static let inOrderBlockBytes = 1 << 20

    /// A run's frame of `record`: its length (4 bytes, big-endian), then its bytes.
    @inline(__always)
    static func frame(_ record: UnsafeRawBufferPointer, into frame: UnsafeMutableRawBufferPointer) {
        frame.storeBytes(of: UInt32(record.count).bigEndian, as: UInt32.self)
        if record.count > 0 { (frame.baseAddress! + 4).copyMemory(from: record.baseAddress!, byteCount: record.count) }
    }

    /// Room for the record that fills a block (records vary in size).
    static let inOrderSlack = 1 << 16

    /// Whether `record` sorts before the last one `appendInOrder` wrote.
    private func sortsBeforeLast(_ record: UnsafeRawBufferPointer) -> Bool {
        let n = min(orderedLastCount, record.count)
        let c = n == 0 ? 0 : orderedLast.withUnsafeBytes { memcmp($0.baseAddress!, record.baseAddress!, n) }
        return c > 0 || (c == 0 && orderedLastCount > record.count)
    }

    mutating func keepUnwritten(_ block: [UInt8]) {
        block.withUnsafeBytes { raw in
            var at = 0
            while at + 4 <= raw.count {
                let length = Int(UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
                append { $0.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[at + 4..<at + 4 + length])) }
                at += 4 + length
            }
        }
    }

    /// Takes in `other`'s records (order does not matter: the output is sorted): its runs, and
    /// its arenas as they are (`absorbed`) while they fit in a budget beside this log's own
    /// (two workers' logs, each of half the run's budget, always do); an arena that does not
    /// is written to a run here (without a store, or once spilling failed, it is kept).
    mutating func absorb(_ other: SortedRecordLog) {
        precondition(other.inOrder == nil, "end the run in order before the log is merged")
        runs += other.runs
        var arenas = other.absorbed
        if !other.spans.isEmpty { arenas.append((other.arena, other.spans)) }
        for (arena, spans) in arenas {
            let bytes = Self.bytes(arena, spans)
            if absorbedBytes + bytes > memoryBudget, let store, spillFailure == nil {
                do {
                    runs.append(try Self.writeRun(arena, spans, to: store))
                    continue
                } catch {
                    spillFailure = "\(error)"
                }
            }
            // An arena that ever held many more records than now is copied to its size (its
            // touched pages would stay with it).
            absorbed.append((arena.capacity > 2 * arena.count + 4096 ? Array(arena) : arena, spans))
        }
    }

    /// The memory `isFull` counts for records: their bytes and 16 a span.
    private static func bytes(_ arena: [UInt8], _ spans: [(Int, Int)]) -> Int { arena.count + spans.count * 16 }

    /// Spills the records in memory and gives the arena's room back, for a log that is
    /// complete and is only read at the end (the user directory, between its loading and the
    /// segment pass): then only the runs are held. Without a store, or once spilling failed,
    /// the records stay in memory.
    mutating func spillAndRelease() {
        spill()
        guard spans.isEmpty else { return }
        arena = []
        spans = []
        sortRoom = nil
    }

    /// The records in memory, each arena with its records' spans in sorted order: this log's
    /// own, then those it absorbed.
    private func sortedArenas(room: SortRoom?) -> [(arena: [UInt8], order: [(Int, Int)])] {
        let arenas = (spans.isEmpty ? [] : [(arena, spans)]) + absorbed
        return arenas.map { ($0.0, Self.sortedSpans($0.0, $0.1, room: room)) }
    }

    /// Every record in byte order, as a stream that owns what it reads (no closure to stay
    /// inside): the records still in memory are copied out, since this log's arena may be
    /// shared with copies of the log. Consumes the log; with `keepingRuns`, its spilled runs
    /// stay in the store, for copies of the log to read again.
    public mutating func takeSorted(keepingRuns: Bool = false) -> SortedRecords {
        let room = roomToConsume()
        let records = sortedCopy(keepingRuns: keepingRuns, room: room)
        empty()
        return records
    }

    /// Lets go of every record (the readers made from them hold what they read).
    private mutating func empty() {
        arena = []
        spans = []
        runs = []
        absorbed = []
        sortRoom = nil
    }

    /// Every record in byte order, leaving the log as it was (its spilled runs stay in the
    /// store, the records in memory are copied out): for a log that is read twice (the nightly
    /// state writes it, then the reports read it).
    /// `room`: where to sort the records in memory (`roomToConsume`).
    func sortedCopy(compact: Bool = false, keepingRuns: Bool = true, room: SortRoom? = nil) -> SortedRecords {
        precondition(inOrder == nil, "end the run in order before the log is read")
        var sources: [FrameReader] = runs.map { FrameReader(run: $0, keep: keepingRuns) }
        for (arena, order) in sortedArenas(room: room) {
            arena.withUnsafeBytes { sources.append(FrameReader(copying: $0, order: order)) }
        }
        return SortedRecords(sources: sources, compact: compact)
    }

    /// Calls `body` with every record in byte order. The records still in memory are read
    /// in place (no copy of an arena at the end), so the `SortedRecords` are valid only
    /// inside `body`. Consumes the log.
    public mutating func withSorted<R>(compact: Bool = false, _ body: (SortedRecords) -> R) -> R {
        precondition(inOrder == nil, "end the run in order before the log is read")
        let sources: [FrameReader] = runs.map { FrameReader(run: $0) }
        // The room let go of before `body` reads (a local lives to its scope's end: it was held
        // through the whole read, a session pass or a state's write).
        var room = roomToConsume()
        let arenas = sortedArenas(room: room)
        room = nil
        empty()
        // Each arena held (and its bytes pinned) by one `withUnsafeBytes` around the next.
        func reading(_ next: Int, _ sources: [FrameReader]) -> R {
            guard next < arenas.count else { return body(SortedRecords(sources: sources, compact: compact)) }
            return arenas[next].arena.withUnsafeBytes { raw in
                reading(next + 1, sources + [FrameReader(memory: raw, order: arenas[next].order)])
            }
        }
        return reading(0, sources)
    }
}

/// The room a `SortedRecordLog` sorts a spill's keys in (40 bytes a record), kept from one
/// spill to the next when it is large. Made anew for each spill, the keys of a full session
/// log of 8 MiB (115,000 records, 4.6 MB) lay above the allocator's mmap threshold
/// (`LargeBuffers`), so every spill faulted in fresh pages and gave them back: a third of the
/// page faults of a small-records run at `--jobs 1`.
///
/// Only such a room is kept: a smaller one (a worker's log at `--jobs 2`, 2.3 MB) comes from
/// the heap, whose chunk the next spill takes again with no new pages, and kept, it was held
/// beside the arenas all through the reading (the memory set, 100,000 users and 4.5M events,
/// at `--jobs 2`: peak RSS 65.9 → 70.3 MB, +7%, for no gain).
///
/// Unchecked Sendable: a log spills on one thread at a time, and a copy of a log that shares
/// the room takes its own before it sorts (`ownSortRoom`).
final class SortRoom: @unchecked Sendable {
    private var storage: UnsafeMutablePointer<SortedRecordLog.SortKey>?
    private var capacity = 0

    /// Whether the room is large enough for a mapping of its own (`LargeBuffers`): kept
    /// between spills only then.
    var isOwnMapping: Bool { capacity * MemoryLayout<SortedRecordLog.SortKey>.stride > LargeBuffers.ownMappingBytes }

    /// Room for `count` keys (their values are left as they were). A full log spills about
    /// as many records each time, so the room is made a sixteenth larger than asked, not half
    /// again: kept between spills, it should not outgrow what a spill needs.
    func keys(_ count: Int) -> UnsafeMutableBufferPointer<SortedRecordLog.SortKey> {
        if count > capacity {
            storage?.deallocate()
            capacity = count + count / 16
            storage = .allocate(capacity: capacity)
        }
        return UnsafeMutableBufferPointer(start: storage, count: count)
    }

    deinit { storage?.deallocate() }
}

/// Reads `[UInt32 length][bytes]` frames from a spilled run (a block at a time), or the
/// records still in memory in their sorted order, without copying a record: `current`
/// points into the reader's own buffer and stays valid until the next `advance()`.
final class FrameReader {
    private let run: SpilledRun?
    /// Leave the run in its store at its end (`init(run:keep:)`).
    private var keepsRun = false
    /// Whether `storage` is the reader's own (to free).
    private let owned: Bool
    private var storage: UnsafeMutableRawPointer
    private var capacity: Int
    private var filled = 0
    private var position = 0
    private var runOffset = 0
    private var exhausted = false
    private let order: [(Int, Int)]
    private var nextInOrder = 0
    /// Frames of the run not read yet (its `count`: a run may hold more bytes after them,
    /// from a write that failed part-way).
    private var framesLeft = 0
    private(set) var current = UnsafeRawBufferPointer(start: nil, count: 0)
    static let block = 1 << 16

    /// - Parameter keep: leave the run in its store when read to the end (it is read again).
    init(run: SpilledRun, keep: Bool = false) {
        self.run = run
        keepsRun = keep
        owned = true
        order = []
        framesLeft = run.count
        capacity = Self.block * 2
        storage = .allocate(byteCount: capacity, alignment: 8)
    }

    /// The records in `memory` (not owned: it must outlive the reader), in `order`.
    init(memory: UnsafeRawBufferPointer, order: [(Int, Int)]) {
        run = nil
        owned = false
        self.order = order
        capacity = memory.count
        storage = UnsafeMutableRawPointer(mutating: memory.baseAddress!)
        filled = memory.count
        exhausted = true
    }

    /// A copy of the records in `memory`, owned by the reader, in `order`.
    init(copying memory: UnsafeRawBufferPointer, order: [(Int, Int)]) {
        run = nil
        owned = true
        self.order = order
        capacity = max(memory.count, 1)
        storage = .allocate(byteCount: capacity, alignment: 8)
        if memory.count > 0 { storage.copyMemory(from: memory.baseAddress!, byteCount: memory.count) }
        filled = memory.count
        exhausted = true
    }

    deinit { if owned { storage.deallocate() } }

    /// Moves to the next frame; false at the end.
    func advance() -> Bool {
        if run == nil {
            guard nextInOrder < order.count else { return false }
            let (offset, length) = order[nextInOrder]
            nextInOrder += 1
            current = UnsafeRawBufferPointer(start: storage + offset, count: length)
            return true
        }
        guard framesLeft > 0 else {
            if !exhausted, !keepsRun, let run { run.store.remove(run: run.id) }
            exhausted = true
            return false
        }
        guard ensure(4) else { return false }
        let p = storage.assumingMemoryBound(to: UInt8.self) + position
        let length = Int(p[0]) << 24 | Int(p[1]) << 16 | Int(p[2]) << 8 | Int(p[3])
        guard ensure(4 + length) else { return false }
        current = UnsafeRawBufferPointer(start: storage + position + 4, count: length)
        position += 4 + length
        framesLeft -= 1
        return true
    }

    /// Makes `count` bytes available from `position`; false at the end of the data.
    private func ensure(_ count: Int) -> Bool {
        while filled - position < count {
            guard !exhausted, let run else { return false }
            let keep = filled - position
            if position > 0 {
                storage.copyMemory(from: storage + position, byteCount: keep)
                filled = keep
                position = 0
            }
            let want = max(Self.block, count)
            if capacity - filled < want {
                let grown = UnsafeMutableRawPointer.allocate(byteCount: filled + want, alignment: 8)
                grown.copyMemory(from: storage, byteCount: filled)
                storage.deallocate()
                storage = grown
                capacity = filled + want
            }
            // Straight into the buffer (reading into an array and copying it was 2% of a merge).
            let more = run.read(offset: runOffset, into: UnsafeMutableRawBufferPointer(start: storage + filled, count: want))
            if more == 0 {
                // Frames are still due (`advance` asks only then): the run was cut short.
                run.store.readFailed("spilled run \(run.id) ended at byte \(runOffset) with \(framesLeft) of \(run.count) records unread")
                exhausted = true
                if !keepsRun { run.store.remove(run: run.id) }
                return false
            }
            filled += more
            runOffset += more
        }
        return true
    }
}

/// The merged, sorted stream of a `SessionLog`: a k-way merge over the readers' current
/// records. The heap holds each reader's first 24 bytes as three big-endian words, so most
/// comparisons need neither the reader nor `memcmp`; equal heads are compared in place,
/// ties (identical records) by reader.
public final class SortedRecords {
    private let sources: [FrameReader]
    /// The same readers, called without a retain and release each (a tenth of a merge's CPU
    /// went to them); `sources` keeps them alive.
    private let readers: [Unmanaged<FrameReader>]
    /// The records are `SessionRecord`'s compact layout.
    let compact: Bool
    // Read by one thread at a time: no run-time exclusivity check (6% of a shard's end phase).
    private let heap: LoserTree<Order>
    @exclusivity(unchecked) private var pending: Int?

    /// A reader's current record (valid until that reader moves on, which it does only once it
    /// is on top) and its first 24 bytes as words.
    struct Head {
        var k0: UInt64, k1: UInt64, k2: UInt64
        var record: UnsafeRawBufferPointer
        var source: Int
    }

    /// By the heads' words, then the records in place, then the reader.
    struct Order: MergeOrder {
        @inline(__always)
        func less(_ a: Head, _ b: Head) -> Bool {
            if (a.k0, a.k1, a.k2) != (b.k0, b.k1, b.k2) { return (a.k0, a.k1, a.k2) < (b.k0, b.k1, b.k2) }
            let x = a.record
            let y = b.record
            let c = memcmp(x.baseAddress!, y.baseAddress!, min(x.count, y.count))
            if c != 0 { return c < 0 }
            return x.count != y.count ? x.count < y.count : a.source < b.source
        }
    }

    init(sources: [FrameReader], compact: Bool) {
        self.sources = sources
        readers = sources.map { Unmanaged.passUnretained($0) }
        self.compact = compact
        let readers = self.readers
        heap = LoserTree(order: Order(), sources.indices.map { index in sources[index].advance() ? Self.head(readers, index) : nil })
    }

    /// Reader `index`'s current record as a heap entry (zero-padded past a short record: a
    /// shorter record that is a prefix of a longer one sorts first either way).
    @inline(__always)
    private static func head(_ readers: [Unmanaged<FrameReader>], _ index: Int) -> Head {
        let record = readers[index]._withUnsafeGuaranteedRef { $0.current }
        let (k0, k1, k2) = leadingWords(record)
        return Head(k0: k0, k1: k1, k2: k2, record: record, source: index)
    }

    /// The smallest remaining record's bytes, valid until the next call; nil at the end.
    /// - Complexity: O(log r) for r runs.
    public func next() -> UnsafeRawBufferPointer? {
        // The reader last returned stays on top until it moves on.
        if let index = pending {
            if readers[index]._withUnsafeGuaranteedRef({ $0.advance() }) { heap.replaceTop(Self.head(readers, index)) } else { heap.pop() }
        }
        pending = nil
        guard let top = heap.top else { return nil }
        pending = top.source
        return top.record
    }
}

/// A record's first 24 bytes as three big-endian words, zero-padded past a shorter record:
/// comparing them compares the records as `memcmp` would, up to there (a shorter record that
/// is a prefix of a longer one sorts first either way). Both the in-memory sort and the merge
/// order records by them.
@inline(__always)
func leadingWords(_ record: UnsafeRawBufferPointer) -> (UInt64, UInt64, UInt64) {
    if record.count >= 24 {
        return (
            UInt64(bigEndian: record.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
            UInt64(bigEndian: record.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
            UInt64(bigEndian: record.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
    }
    var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
    withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: record) }
    return (UInt64(bigEndian: words.0), UInt64(bigEndian: words.1), UInt64(bigEndian: words.2))
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
