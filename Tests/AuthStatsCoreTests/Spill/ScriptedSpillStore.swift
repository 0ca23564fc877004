import Foundation

@testable import AuthStatsCore

/// A `MemorySpillStore` whose reads go through `read` (to fail them or cut them short), and
/// which keeps every reason it is told a run could not be read back (`failures`).
final class ScriptedSpillStore: SpillStore, @unchecked Sendable {
    /// How the `number`th read (from 1) answers, given the store underneath.
    typealias Read = (_ number: Int, _ run: Int, _ offset: Int, _ count: Int, _ inner: MemorySpillStore) throws -> [UInt8]

    // Unchecked: `reads` and `reasons` are only touched under `lock`.
    private let lock = NSLock()
    private let inner = MemorySpillStore()
    private let scripted: Read
    private var reads = 0
    private var reasons: [String] = []

    init(read: @escaping Read) { scripted = read }

    /// Every read after the first `readsAllowed` fails (`EIO`).
    static func failing(after readsAllowed: Int) -> ScriptedSpillStore {
        ScriptedSpillStore { number, run, offset, count, inner in
            if number > readsAllowed { throw POSIXError(.EIO) }
            return try inner.read(run: run, offset: offset, count: count)
        }
    }

    /// Holds only the first `keep` bytes of every run (a file cut short under it).
    static func cut(after keep: Int) -> ScriptedSpillStore {
        ScriptedSpillStore { _, run, offset, count, inner in
            guard offset < keep else { return [] }
            return try inner.read(run: run, offset: offset, count: min(count, keep - offset))
        }
    }

    var failures: [String] { lock.withLock { reasons } }

    func write(_ bytes: [UInt8]) throws -> Int { try inner.write(bytes) }
    func append(run: Int, _ bytes: [UInt8]) throws { try inner.append(run: run, bytes) }
    func read(run: Int, offset: Int, count: Int) throws -> [UInt8] {
        let number = lock.withLock {
            reads += 1
            return reads
        }
        return try scripted(number, run, offset, count, inner)
    }
    func remove(run: Int) { inner.remove(run: run) }
    func readFailed(_ reason: String) { lock.withLock { reasons.append(reason) } }
}
