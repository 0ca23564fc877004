/// Where the nightly state keeps its bulk data (`docs/state.md` "Tables"): named streams of
/// records, one per table and scope, stored as ordered chunks. `AuthStatsState.StateDatabase`
/// keeps them in SQLite; tests may keep them in memory (`MemoryStateChunks`).
public protocol StateChunkSink: AnyObject {
    func appendChunk(name: String, scope: String, seq: Int, _ data: [UInt8]) throws
    /// The `seq` after the last chunk of the stream (0 for a new one).
    func nextSeq(name: String, scope: String) throws -> Int
    /// Forgets every stream (before the state is written whole).
    func removeAllChunks() throws
}

public protocol StateChunkSource: AnyObject {
    /// The chunks of one stream, in order.
    func forEachChunk(name: String, scope: String, _ body: ([UInt8]) throws -> Void) throws
    /// The scopes that hold a stream of `name`, in byte order.
    func scopes(of name: String) throws -> [String]
}

/// Writes one stream as `[UInt32 length][bytes]` frames, cut into chunks of about
/// `chunkBytes` at frame boundaries (a frame never spans two chunks).
struct StateStreamWriter {
    static let chunkBytes = 1 << 20
    let sink: any StateChunkSink
    let name: String
    let scope: String
    private var buffer: [UInt8] = []
    private var seq = 0
    private(set) var records = 0

    /// A writer that appends to the stream's chunks (a new stream starts at 0).
    init(_ sink: any StateChunkSink, name: String, scope: String) throws {
        self.sink = sink
        self.name = name
        self.scope = scope
        seq = try sink.nextSeq(name: name, scope: scope)
        buffer.reserveCapacity(Self.chunkBytes + 64)
    }

    mutating func add(_ bytes: UnsafeRawBufferPointer) throws {
        if buffer.count + 4 + bytes.count > Self.chunkBytes && !buffer.isEmpty { try flush() }
        withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { buffer.append(contentsOf: $0) }
        buffer.append(contentsOf: bytes)
        records += 1
    }

    mutating func add(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try add($0) } }

    /// A record of fixed-width integers, little-endian.
    mutating func add(words: UInt64...) throws {
        var record: [UInt8] = []
        record.reserveCapacity(words.count * 8)
        for word in words { withUnsafeBytes(of: word.littleEndian) { record.append(contentsOf: $0) } }
        try add(record)
    }

    private mutating func flush() throws {
        try sink.appendChunk(name: name, scope: scope, seq: seq, buffer)
        seq += 1
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is left.
    mutating func finish() throws {
        if !buffer.isEmpty { try flush() }
    }
}

/// Reads back a stream written by `StateStreamWriter`, one record at a time.
enum StateStreamReader {
    /// Calls `body` with each record (valid only inside the call).
    static func forEach(
        _ source: any StateChunkSource, name: String, scope: String, _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        try source.forEachChunk(name: name, scope: scope) { chunk in
            try chunk.withUnsafeBytes { raw in
                var at = 0
                while at + 4 <= raw.count {
                    let count = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
                    guard at + 4 + count <= raw.count else { throw StateFormatError("a record of \(name) runs past its chunk") }
                    try body(UnsafeRawBufferPointer(rebasing: raw[at + 4..<at + 4 + count]))
                    at += 4 + count
                }
            }
        }
    }

    /// As `forEach`, with each record read as little-endian words (`StateStreamWriter.add(words:)`).
    static func forEachWords(
        _ source: any StateChunkSource, name: String, scope: String, count: Int, _ body: ([UInt64]) throws -> Void
    ) throws {
        var words = [UInt64](repeating: 0, count: count)
        try forEach(source, name: name, scope: scope) { raw in
            guard raw.count == count * 8 else { throw StateFormatError("a record of \(name) has \(raw.count) bytes, not \(count * 8)") }
            for i in 0..<count { words[i] = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)) }
            try body(words)
        }
    }
}

/// A state whose data does not read as authstats wrote it.
public struct StateFormatError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = "the state's data is damaged: " + description }
}

/// Streams kept in memory (tests, and `state merge` of small states).
public final class MemoryStateChunks: StateChunkSink, StateChunkSource, @unchecked Sendable {
    private var streams: [String: [String: [[UInt8]]]] = [:]

    public init() {}

    public func appendChunk(name: String, scope: String, seq: Int, _ data: [UInt8]) throws {
        streams[name, default: [:]][scope, default: []].append(data)
    }

    public func forEachChunk(name: String, scope: String, _ body: ([UInt8]) throws -> Void) throws {
        for chunk in streams[name]?[scope] ?? [] { try body(chunk) }
    }

    public func scopes(of name: String) throws -> [String] {
        (streams[name] ?? [:]).keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    public func nextSeq(name: String, scope: String) throws -> Int { streams[name]?[scope]?.count ?? 0 }

    public func removeAllChunks() throws { streams = [:] }
}
