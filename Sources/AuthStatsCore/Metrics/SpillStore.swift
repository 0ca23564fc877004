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
