/// Where the duplicate filter keeps what it no longer holds in memory: numbered runs of
/// bytes, written once and read back in order. `AuthStatsIngest.TemporarySpillStore` keeps
/// them in temporary files; `MemorySpillStore` in memory (for tests).
public protocol SpillStore: AnyObject, Sendable {
    /// Stores one run; returns its id.
    func write(_ bytes: [UInt8]) throws -> Int
    /// Adds bytes to the end of run `run` (one made by `write`, possibly empty).
    func append(run: Int, _ bytes: [UInt8]) throws
    /// Up to `count` bytes of run `run` from `offset`; fewer at its end.
    func read(run: Int, offset: Int, count: Int) throws -> [UInt8]
    /// Forgets a run that is no longer needed.
    func remove(run: Int)
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

    /// The run as seen by an accumulator whose profile ids are `map` of this one's.
    func remapped(by map: [UInt32]) -> SpilledRun {
        var copy = self
        copy.profileMap = profileMap.map { $0.map { map[Int($0)] } } ?? map
        return copy
    }

    /// A profile id of the run, in its owner's ids.
    func profile(_ id: UInt32) -> UInt32 { profileMap.map { $0[Int(id)] } ?? id }
}

/// A `SpillStore` in memory: for tests of the spilling logic, not for bounded memory.
public final class MemorySpillStore: SpillStore, @unchecked Sendable {
    // Unchecked: used from one thread at a time, as every accumulator is.
    private var runs: [Int: [UInt8]] = [:]
    private var next = 0
    public private(set) var written = 0

    public init() {}

    public func write(_ bytes: [UInt8]) throws -> Int {
        next += 1
        runs[next] = bytes
        written += 1
        return next
    }

    public func append(run: Int, _ bytes: [UInt8]) throws { runs[run, default: []] += bytes }

    public func read(run: Int, offset: Int, count: Int) throws -> [UInt8] {
        let bytes = runs[run] ?? []
        guard offset < bytes.count else { return [] }
        return Array(bytes[offset..<min(bytes.count, offset + count)])
    }

    public func remove(run: Int) { runs[run] = nil }
}
