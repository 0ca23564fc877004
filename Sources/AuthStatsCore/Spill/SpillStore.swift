import Foundation

/// Where every stage that spills (the duplicate filter, the activity tables, the session and
/// profile logs, the user directory) keeps what it no longer holds in memory: numbered runs
/// of bytes, written once and read back in order. `AuthStatsIngest.TemporarySpillStore` keeps
/// them in temporary files; `MemorySpillStore` in memory (for tests).
public protocol SpillStore: AnyObject, Sendable {
    /// Stores one run; returns its id.
    func write(_ bytes: [UInt8]) throws -> Int
    /// Adds bytes to the end of run `run` (one made by `write`, possibly empty).
    func append(run: Int, _ bytes: [UInt8]) throws
    /// Up to `count` bytes of run `run` from `offset`; fewer at its end.
    func read(run: Int, offset: Int, count: Int) throws -> [UInt8]
    /// The same into `buffer` (up to its size); returns how many bytes were read.
    func read(run: Int, offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws -> Int
    /// Forgets a run that is no longer needed.
    func remove(run: Int)
    /// Notes that a run could not be read back (its reader ends it there): the run must then
    /// not write reports, which would miss what the run held.
    func readFailed(_ reason: String)
}

extension SpillStore {
    public func readFailed(_ reason: String) {}

    public func read(run: Int, offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let bytes = try read(run: run, offset: offset, count: buffer.count)
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0) }
        return bytes.count
    }
}

/// A sorted run written to a `SpillStore`: fixed-size entries that may name dimension
/// profiles by the ids of the accumulator that wrote them.
struct SpilledRun: Sendable {
    /// Where the run lies (after a merge, runs of several stores meet in one structure).
    var store: any SpillStore
    var id: Int
    /// Entries in the run.
    var count: Int
    /// Maps the run's profile ids to the owner's (after a merge of accumulators).
    var profileMap: [UInt32]? = nil
    /// A group that holds every entry of the run and every copy of them (fingerprints of one
    /// day group, `DuplicateFilter.group(ofDay:)`: a window's spill, or a nightly state's
    /// bucket stream; copies share a day), so that runs of different groups never hold equal
    /// keys; nil when not known.
    var group: Int? = nil

    /// The run as seen by an accumulator whose profile ids are `map` of this one's.
    func remapped(by map: [UInt32]) -> SpilledRun {
        var copy = self
        copy.profileMap = profileMap.map { $0.map { map[Int($0)] } } ?? map
        return copy
    }

    /// A profile id of the run, in its owner's ids.
    func profile(_ id: UInt32) -> UInt32 { profileMap.map { $0[Int(id)] } ?? id }

    /// Up to `count` bytes from `offset`; empty at the end, or when the store cannot read them
    /// (then `SpillStore.readFailed` says why: the reader stops, the run fails).
    func read(offset: Int, count: Int) -> [UInt8] {
        do {
            return try store.read(run: id, offset: offset, count: count)
        } catch {
            store.readFailed("\(error)")
            return []
        }
    }

    /// The same into `buffer`, without an array between: how many bytes were read (0 at the
    /// end, or when the store cannot read them).
    func read(offset: Int, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        do {
            return try store.read(run: id, offset: offset, into: buffer)
        } catch {
            store.readFailed("\(error)")
            return 0
        }
    }
}

/// Writes one run of fixed-size entries to a `SpillStore`, a block at a time: the entries
/// come from a sorted walk of a window, and no second copy of the window is made.
struct RunWriter {
    let store: any SpillStore
    let id: Int
    let entryBytes: Int
    private var block: [UInt8]
    private var filled = 0
    private var count = 0

    init(store: any SpillStore, entryBytes: Int, blockEntries: Int) throws {
        self.store = store
        self.entryBytes = entryBytes
        id = try store.write([])
        // Zeroed once: every entry writes the same offsets, so padding stays 0.
        block = [UInt8](repeating: 0, count: blockEntries * entryBytes)
    }

    /// Appends one entry; `encode` writes it at the given offset of the buffer.
    mutating func add(_ encode: (UnsafeMutableRawBufferPointer, Int) -> Void) throws {
        let offset = filled
        block.withUnsafeMutableBytes { encode($0, offset) }
        filled += entryBytes
        count += 1
        if filled == block.count {
            try store.append(run: id, block)
            filled = 0
        }
    }

    /// Writes what is left; the run.
    mutating func finish() throws -> SpilledRun {
        if filled > 0 { try store.append(run: id, Array(block[0..<filled])) }
        filled = 0
        return SpilledRun(store: store, id: id, count: count)
    }
}

/// Reads a run of fixed-size entries back (`RunWriter`'s: the dedup log's, the activity
/// tables'), a block at a time into a buffer of its own, or the entries of a buffer in memory
/// in a given order (a sorted window that never spilled): the current entry starts at
/// `position` in `bytes`. The one reader of both kinds of runs (`DuplicateFilter`'s
/// `RunCursor` and `ActivityGroups.Cursor` decode their entries from it); a run of frames
/// is `FrameReader`'s.
///
/// A run that cannot be read to its count ends where its readable entries end, and the store
/// is told (`SpillStore.readFailed`; `SpilledRun.read` has said why on an error), so the run
/// fails rather than reports less.
struct RunReader {
    let entryBytes: Int
    private let run: SpilledRun?
    private let blockEntries: Int
    /// The block read, or the buffer in memory.
    private(set) var bytes: [UInt8]
    /// Where the current entry starts in `bytes`; nil at the end.
    private(set) var position: Int?
    /// Entries read into blocks so far (a run), or taken from `order` (memory).
    private var taken = 0
    /// The memory's entry numbers in the order to read them.
    private let order: [UInt32]

    init(run: SpilledRun, entryBytes: Int, blockEntries: Int) {
        self.run = run
        self.entryBytes = entryBytes
        self.blockEntries = blockEntries
        bytes = []
        order = []
        load()
    }

    init(memory: [UInt8], order: [UInt32], entryBytes: Int) {
        run = nil
        self.entryBytes = entryBytes
        blockEntries = 0
        bytes = memory
        self.order = order
        locate()
    }

    @inline(__always)
    mutating func advance() {
        guard run != nil else { return locate() }
        guard let p = position else { return }
        let next = p + entryBytes
        if next < bytes.count { position = next } else { load() }
    }

    /// Reads the run's next block.
    private mutating func load() {
        guard let run else { return }
        let wanted = min(run.count - taken, blockEntries)
        guard wanted > 0 else {
            position = nil
            return
        }
        let block = run.read(offset: taken * entryBytes, count: wanted * entryBytes)
        let whole = block.count / entryBytes
        if whole < wanted {
            // Also after an error `SpilledRun.read` has reported: a store keeps the first reason.
            run.store.readFailed("spilled run \(run.id) gave \(block.count) of \(wanted * entryBytes) bytes at entry \(taken) of \(run.count)")
        }
        guard whole > 0 else {
            position = nil
            return
        }
        bytes = whole * entryBytes == block.count ? block : Array(block[0..<whole * entryBytes])
        // A short block is the run's last.
        taken = whole < wanted ? run.count : taken + whole
        position = 0
    }

    /// The memory's next entry in `order`.
    private mutating func locate() {
        position = taken < order.count ? Int(order[taken]) * entryBytes : nil
        taken += 1
    }
}

/// A `SpillStore` in memory: for tests of the spilling logic, not for bounded memory.
public final class MemorySpillStore: SpillStore, @unchecked Sendable {
    // Unchecked: every member is touched under `lock` (the session and segment passes spill
    // from two threads at once).
    private let lock = NSLock()
    private var runs: [Int: [UInt8]] = [:]
    private var next = 0
    private var writes = 0

    public init() {}

    /// Runs written so far.
    public var written: Int { locked { writes } }
    /// The runs held now (written and not removed).
    public var held: Int { locked { runs.count } }

    private func locked<R>(_ body: () -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    public func write(_ bytes: [UInt8]) throws -> Int {
        locked {
            next += 1
            runs[next] = bytes
            writes += 1
            return next
        }
    }

    public func append(run: Int, _ bytes: [UInt8]) throws { locked { runs[run, default: []] += bytes } }

    public func read(run: Int, offset: Int, count: Int) throws -> [UInt8] {
        locked {
            let bytes = runs[run] ?? []
            guard offset < bytes.count else { return [] }
            return Array(bytes[offset..<min(bytes.count, offset + count)])
        }
    }

    public func remove(run: Int) { locked { runs[run] = nil } }
}
