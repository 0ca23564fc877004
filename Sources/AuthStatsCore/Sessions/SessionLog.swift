/// The events of the session stage, sorted in bounded memory (an external merge sort).
///
/// Records (`SessionRecord.encoded()`) are kept in one byte arena up to `memoryBudget`;
/// when it fills, they are sorted by their bytes and written to the `SpillStore` as a run.
/// `sorted()` merges the runs and what is in memory into one stream in byte order, so that
/// each user's events arrive together, whatever order the input had. Without a store nothing
/// is spilled (exact, but memory grows with the events).
///
/// Disk: about 70 bytes per activity event (Pinpoint; less for the other exports).
public struct SessionLog: Sendable {
    public static let defaultBudget = 32 << 20

    let memoryBudget: Int
    let store: (any SpillStore)?
    private var arena: [UInt8] = []
    /// (offset, length) of each record in `arena`.
    private var spans: [(Int, Int)] = []
    private var runs: [SpilledRun] = []
    public private(set) var spillFailure: String?

    struct SpilledRun: Sendable {
        var store: any SpillStore
        var id: Int
    }

    public init(memoryBudget: Int = SessionLog.defaultBudget, store: (any SpillStore)? = nil) {
        self.memoryBudget = max(memoryBudget, 1)
        self.store = store
    }

    public var spilledRuns: Int { runs.count }

    public mutating func append(_ record: SessionRecord) {
        let start = arena.count
        record.encode(into: &arena)
        spans.append((start, arena.count - start))
        if arena.count + spans.count * 16 >= memoryBudget { spill() }
    }

    /// The spans of the records in memory, in byte order of the records.
    private func sortedSpans() -> [(Int, Int)] {
        arena.withUnsafeBytes { raw in
            spans.sorted { a, b in
                let x = UnsafeRawBufferPointer(rebasing: raw[a.0..<a.0 + a.1])
                let y = UnsafeRawBufferPointer(rebasing: raw[b.0..<b.0 + b.1])
                return x.lexicographicallyPrecedes(y)
            }
        }
    }

    /// Writes the records in memory as one sorted run of `[UInt32 length][bytes]` frames, a
    /// megabyte at a time (so spilling needs no second copy of the arena).
    private mutating func spill() {
        guard let store, spillFailure == nil, !spans.isEmpty else { return }
        do {
            let id = try store.write([])
            var chunk: [UInt8] = []
            for (offset, length) in sortedSpans() {
                chunk += [UInt8(length >> 24 & 0xFF), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
                chunk += arena[offset..<offset + length]
                if chunk.count >= 1 << 20 {
                    try store.append(run: id, chunk)
                    chunk.removeAll(keepingCapacity: true)
                }
            }
            if !chunk.isEmpty { try store.append(run: id, chunk) }
            runs.append(SpilledRun(store: store, id: id))
            arena.removeAll(keepingCapacity: true)
            spans.removeAll(keepingCapacity: true)
        } catch {
            spillFailure = "\(error)"
        }
    }

    /// Takes in `other`'s records (order does not matter: the output is sorted).
    mutating func absorb(_ other: SessionLog) {
        runs += other.runs
        for (offset, length) in other.spans {
            spans.append((arena.count, length))
            arena += other.arena[offset..<offset + length]
        }
        if arena.count + spans.count * 16 >= memoryBudget { spill() }
    }

    /// Every record, in byte order. Consumes the log.
    public mutating func sorted() -> SortedRecords {
        var sources: [FrameReader] = runs.map { FrameReader(run: $0) }
        if !spans.isEmpty { sources.append(FrameReader(arena: arena, order: sortedSpans())) }
        arena = []
        spans = []
        runs = []
        return SortedRecords(sources: sources)
    }
}

/// Reads `[UInt32 length][bytes]` frames from a spilled run (a block at a time), or the
/// records still in memory in their sorted order.
struct FrameReader {
    private var run: SessionLog.SpilledRun?
    private var buffer: [UInt8]
    private var position = 0
    private var runOffset = 0
    private var exhausted = false
    private var order: [(Int, Int)] = []
    private var nextInOrder = 0
    static let block = 1 << 16

    init(run: SessionLog.SpilledRun) {
        self.run = run
        buffer = []
    }

    init(arena: [UInt8], order: [(Int, Int)]) {
        buffer = arena
        self.order = order
        exhausted = true
    }

    /// The next frame's bytes, or nil at the end.
    mutating func next() -> [UInt8]? {
        if run == nil {
            guard nextInOrder < order.count else { return nil }
            let (offset, length) = order[nextInOrder]
            nextInOrder += 1
            return Array(buffer[offset..<offset + length])
        }
        guard ensure(4) else { return nil }
        let length = Int(buffer[position]) << 24 | Int(buffer[position + 1]) << 16 | Int(buffer[position + 2]) << 8 | Int(buffer[position + 3])
        guard ensure(4 + length) else { return nil }
        let frame = Array(buffer[position + 4..<position + 4 + length])
        position += 4 + length
        return frame
    }

    /// Makes `count` bytes available from `position`; false at the end of the data.
    private mutating func ensure(_ count: Int) -> Bool {
        while buffer.count - position < count {
            guard !exhausted, let run else { return false }
            let more = (try? run.store.read(run: run.id, offset: runOffset, count: max(Self.block, count))) ?? []
            if more.isEmpty {
                exhausted = true
                run.store.remove(run: run.id)
                return false
            }
            runOffset += more.count
            buffer = Array(buffer[position...]) + more
            position = 0
        }
        return true
    }
}

/// The merged, sorted stream of a `SessionLog`.
public struct SortedRecords: IteratorProtocol {
    private var sources: [FrameReader]
    /// (record bytes, source index); ties (identical records) by source, for a total order.
    private var heap = BinaryHeap<([UInt8], Int)> { a, b in
        a.0.lexicographicallyPrecedes(b.0) || (a.0 == b.0 && a.1 < b.1)
    }

    init(sources: [FrameReader]) {
        self.sources = sources
        for index in self.sources.indices {
            if let head = self.sources[index].next() { heap.push((head, index)) }
        }
    }

    /// The smallest remaining record.
    /// - Complexity: O(log r) for r runs.
    public mutating func next() -> SessionRecord? {
        guard let (bytes, index) = heap.pop() else { return nil }
        if let head = sources[index].next() { heap.push((head, index)) }
        return bytes.withUnsafeBytes { SessionRecord(decoding: $0) }
    }
}
