import AuthStatsCore
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The identity of an input's bytes as stored (compressed), for the inputs ledger: a file
/// seen again under another name, or again after a copy, is recognised by its bytes.
///
/// 128 bits, as 32 lowercase hex digits, over the file read in fixed 1 MiB blocks, each
/// block hashed as its `ContentHashKind` says. Each block's length goes into the hash, so the
/// blocks must be the same every time: a short `read` is topped up before the block is
/// hashed, and only the last block may be shorter.
public enum ContentHash {
    /// The size of the blocks the bytes are hashed in; changing it changes every hash.
    static let blockSize = 1 << 20

    /// Hashes the file at `path`, and reports its size (the bytes hashed) and its modification
    /// time (ms since the epoch, as `fstat` saw it once opened).
    ///
    /// - Complexity: one pass over the file, in one 1 MiB buffer.
    /// - Throws: `StateError.sqlite` naming the file and the system's reason when it cannot
    ///   be opened or read.
    public static func of(path: String, kind: ContentHashKind) throws -> (hash: String, size: Int64, modifiedMillis: Int64) {
        try ContentHasher().hash(path: path, kind: kind)
    }

    /// The hash `of(path:kind:)` gives a file of these `bytes` (the same 1 MiB blocks).
    public static func of(bytes: [UInt8], kind: ContentHashKind) -> String {
        var builder = Fingerprint.Builder()
        bytes.withUnsafeBytes { raw in
            var start = 0
            while start < raw.count {
                let end = min(start + blockSize, raw.count)
                kind.add(UnsafeRawBufferPointer(rebasing: raw[start..<end]), to: &builder)
                start = end
            }
        }
        return hex(builder.fingerprint)
    }

    /// `high` then `low`, 16 lowercase hex digits each.
    static func hex(_ fingerprint: Fingerprint) -> String {
        func digits(_ word: UInt64) -> String {
            let text = String(word, radix: 16)
            return String(repeating: "0", count: 16 - text.count) + text
        }
        return digits(fingerprint.high) + digits(fingerprint.low)
    }

    static func failure(_ path: String, _ operation: String) -> StateError {
        .sqlite(path: path, operation: operation, message: String(cString: strerror(errno)))
    }
}

/// How a state's inputs ledger hashes each 1 MiB block of an input (`meta`'s `content_hash`,
/// `docs/state.md` "Tables"): the hashes of two kinds never match, so a state keeps one kind
/// for its whole ledger.
public enum ContentHashKind: String, Sendable {
    /// The block's bytes through `Fingerprint.Builder` (two chains waiting on each multiply,
    /// ~2 GB/s): the ledger of a state made before schema version 4, and of files that name a
    /// configuration (`--clients`) in a state's options, which must not change.
    case fingerprint
    /// The block's `Hash64.hashInLanes` under two seeds (four chains side by side each, ~14
    /// GB/s for the two), folded into a `Fingerprint.Builder`: states made since.
    case lanes

    /// What a new state's ledger, or one begun again (`--rebuild`), is hashed with.
    public static let current = ContentHashKind.lanes

    static let seeds: (UInt64, UInt64) = (0xC0A7_E47B_10C5_0001, 0xC0A7_E47B_10C5_0002)

    /// Adds one block (the last may be shorter) to `builder`.
    @inline(__always)
    func add(_ block: UnsafeRawBufferPointer, to builder: inout Fingerprint.Builder) {
        switch self {
        case .fingerprint:
            builder.add(block)
        case .lanes:
            // Each hash starts from the block's length, so a shorter last block differs too.
            builder.add(Int64(bitPattern: Hash64.hashInLanes(block, seed: Self.seeds.0)))
            builder.add(Int64(bitPattern: Hash64.hashInLanes(block, seed: Self.seeds.1)))
        }
    }
}

/// `ContentHash` over many files with one buffer: a fresh zeroed 1 MiB buffer per file cost a
/// page fault per 4 KiB (1.1 M faults, 2 s of system time, over the bench set's 4,400 files).
public final class ContentHasher {
    private let block = UnsafeMutableRawBufferPointer.allocate(byteCount: ContentHash.blockSize, alignment: 16)

    public init() {}

    deinit { block.deallocate() }

    /// As `ContentHash.of(path:kind:)`.
    public func hash(path: String, kind: ContentHashKind) throws -> (hash: String, size: Int64, modifiedMillis: Int64) {
        try path.withCString { try hash(cPath: $0, shown: path, kind: kind) }
    }

    /// As `hash(path:kind:)`, for a path given by its raw bytes (a name that is not UTF-8);
    /// errors name it as `DisplayPath` shows it.
    public func hash(path: [UInt8], kind: ContentHashKind) throws -> (hash: String, size: Int64, modifiedMillis: Int64) {
        try CPath.with(path) { try hash(cPath: $0, shown: DisplayPath.text(path), kind: kind) }
    }

    /// The hash of the first `prefix` bytes of the file at `path` (its raw bytes), as
    /// `hash(path:kind:)` gives it for a file of those bytes alone; nil when the file is
    /// shorter: whether a file only grew since the ledger hashed it.
    public func hash(path: [UInt8], kind: ContentHashKind, prefix: Int64) throws -> String? {
        let hashed = try CPath.with(path) { try hash(cPath: $0, shown: DisplayPath.text(path), kind: kind, limit: prefix) }
        return hashed.size == prefix ? hashed.hash : nil
    }

    /// The file's hash, size and modification time; of its first `limit` bytes at most.
    private func hash(
        cPath: UnsafePointer<CChar>, shown path: String, kind: ContentHashKind, limit: Int64 = .max
    ) throws -> (hash: String, size: Int64, modifiedMillis: Int64) {
        let descriptor = open(cPath, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ContentHash.failure(path, "open") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw ContentHash.failure(path, "read") }
        let modified = FileStamp.modifiedMillis(status)

        var builder = Fingerprint.Builder()
        var total: Int64 = 0
        while true {
            var filled = 0
            let room = Int(min(Int64(block.count), limit - total))
            while filled < room {
                let count = read(descriptor, block.baseAddress! + filled, room - filled)
                if count == 0 { break }
                if count < 0 {
                    if errno == EINTR { continue }
                    throw ContentHash.failure(path, "read")
                }
                filled += count
            }
            if filled > 0 { kind.add(UnsafeRawBufferPointer(rebasing: block[..<filled]), to: &builder) }
            total += Int64(filled)
            if filled < block.count { break }
        }
        return (ContentHash.hex(builder.fingerprint), total, modified)
    }
}

extension ContentHash {
    /// `of(path:kind:)` for each path (its raw bytes), on `threads` threads (one buffer each),
    /// results in order.
    public static func of(paths: [[UInt8]], kind: ContentHashKind, threads: Int) -> [Result<(hash: String, size: Int64, modifiedMillis: Int64), StateError>] {
        let results = UnsafeMutableBufferPointer<Result<(hash: String, size: Int64, modifiedMillis: Int64), StateError>?>.allocate(
            capacity: paths.count)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        let lanes = max(1, min(threads, paths.count))
        // Lane `t` hashes paths t, t + lanes, …: each result is written by one thread only.
        struct Slots: @unchecked Sendable { let buffer: UnsafeMutableBufferPointer<Result<(hash: String, size: Int64, modifiedMillis: Int64), StateError>?> }
        let shared = Slots(buffer: results)
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in
            let hasher = ContentHasher()
            for i in stride(from: lane, to: paths.count, by: lanes) {
                do {
                    shared.buffer[i] = .success(try hasher.hash(path: paths[i], kind: kind))
                } catch let error as StateError {
                    shared.buffer[i] = .failure(error)
                } catch {
                    shared.buffer[i] = .failure(.sqlite(path: DisplayPath.text(paths[i]), operation: "read", message: "\(error)"))
                }
            }
        }
        return results.map { $0! }
    }
}
