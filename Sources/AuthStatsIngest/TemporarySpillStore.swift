import AuthStatsCore
import Foundation

/// Keeps spilled dedup runs in files of a private temporary folder (under `TMPDIR`), removed
/// when the store goes away.
public final class TemporarySpillStore: SpillStore, @unchecked Sendable {
    // Unchecked: an accumulator, and so its store, is used by one thread at a time; the lock
    // guards the bookkeeping anyway.
    private let lock = NSLock()
    private var folder: URL?
    private var next = 0

    public init() {}

    /// The folder for the runs could not be made.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    deinit {
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    private func runURL(_ run: Int) -> URL? { folder?.appendingPathComponent("run-\(run)") }

    public func write(_ bytes: [UInt8]) throws -> Int {
        lock.lock()
        defer { lock.unlock() }
        if folder == nil {
            let parent = FileManager.default.temporaryDirectory
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: parent.path, isDirectory: &isFolder), isFolder.boolValue,
                access(parent.path, W_OK) == 0
            else {
                throw Failure(description: "the temporary folder \(parent.path) is not a writable folder; set TMPDIR to one")
            }
            let url = parent.appendingPathComponent("authstats-\(getpid())-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            folder = url
        }
        next += 1
        let url = runURL(next)!
        try Data(bytes).write(to: url)
        return next
    }

    public func append(run: Int, _ bytes: [UInt8]) throws {
        lock.lock()
        defer { lock.unlock() }
        guard let url = runURL(run) else { return }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: bytes)
    }

    /// Opens the run for each read (no descriptor stays open, however many runs there are).
    public func read(run: Int, offset: Int, count: Int) throws -> [UInt8] {
        lock.lock()
        defer { lock.unlock() }
        guard let url = runURL(run) else { return [] }
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(offset))
        return Array(try handle.read(upToCount: count) ?? Data())
    }

    public func remove(run: Int) {
        lock.lock()
        defer { lock.unlock() }
        if let url = runURL(run) { try? FileManager.default.removeItem(at: url) }
    }
}
