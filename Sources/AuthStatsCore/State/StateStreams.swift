import Foundation

/// Where the nightly state keeps its bulk data (`docs/state.md` "Tables"): named streams of
/// records, one per table and scope, stored as ordered chunks. `AuthStatsState.StateDatabase`
/// keeps them in SQLite; tests may keep them in memory (`MemoryStateChunks`).
public protocol StateChunkSink: AnyObject {
    /// How the chunks appended now are checked (the state's, which a whole write may change).
    var chunkCheck: ChunkCheck { get }
    /// Stores chunk `seq` of a stream; `data` is valid only during the call.
    func appendChunk(name: String, scope: String, seq: Int, _ data: UnsafeRawBufferPointer) throws
    /// The `seq` after the last chunk of the stream (0 for a new one).
    func nextSeq(name: String, scope: String) throws -> Int
    /// Forgets every stream (before the state is written whole); the chunks written after it
    /// are checked with `ChunkCheck.current`.
    func removeAllChunks() throws
    /// Forgets one stream (before it is written again).
    func removeChunks(name: String, scope: String) throws
}

public protocol StateChunkSource: AnyObject {
    /// How its chunks are checked.
    var chunkCheck: ChunkCheck { get }
    /// The chunks of one stream, in order.
    func forEachChunk(name: String, scope: String, _ body: ([UInt8]) throws -> Void) throws
    /// As `forEachChunk`, each chunk's bytes valid only inside `body` (a source may lend its
    /// own buffer).
    func forEachChunkBytes(name: String, scope: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws
    /// The scopes that hold a stream of `name`, in byte order.
    func scopes(of name: String) throws -> [String]
    /// The first chunk of a stream after chunk `seq` (nil: its first), copied into `buffer`;
    /// returns its `seq`, or nil past the last. One chunk at a time, for `LockedChunkSource`.
    func chunk(name: String, scope: String, after seq: Int?, into buffer: inout [UInt8]) throws -> Int?
    /// Another source over the same chunks that a second thread may read while this one is
    /// read (a connection of its own); nil when there is none (the threads then share this
    /// one through a `LockedChunkSource`).
    func concurrentSource() throws -> (any StateChunkSource)?
    /// How many chunks a stream has and their bytes in all (checks included), told without
    /// reading them where the source can (a state file: from SQLite's record headers).
    func streamSize(name: String, scope: String) throws -> (chunks: Int, bytes: Int)
}

extension StateChunkSink {
    public func appendChunk(name: String, scope: String, seq: Int, _ data: [UInt8]) throws {
        try data.withUnsafeBytes { try appendChunk(name: name, scope: scope, seq: seq, $0) }
    }
}

extension StateChunkSource {
    public func forEachChunkBytes(name: String, scope: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        try forEachChunk(name: name, scope: scope) { chunk in try chunk.withUnsafeBytes(body) }
    }

    public func concurrentSource() throws -> (any StateChunkSource)? { nil }

    public func streamSize(name: String, scope: String) throws -> (chunks: Int, bytes: Int) {
        var size = (chunks: 0, bytes: 0)
        try forEachChunkBytes(name: name, scope: scope) { size = (size.chunks + 1, size.bytes + $0.count) }
        return size
    }
}

/// How each chunk's first 8 bytes check the rest: a 64-bit hash, little-endian. SQLite checks
/// its pages, not what they hold, and a flipped bit in a count must be refused as damage, not
/// reported as a number. A state says which in its `meta` (`chunk_check`); `docs/state.md`
/// "Tables".
public enum ChunkCheck: String, Sendable {
    /// `Hash64.hash`: the chunks of a state made before schema version 3, until it is next
    /// written whole.
    case serial
    /// `Hash64.hashInLanes`, four times as fast: the chunks of a state made since, or written
    /// whole since.
    case lanes

    /// What a new state, or one written whole, is checked with.
    public static let current = ChunkCheck.lanes

    static let seed: UInt64 = 0x57A7_E0C4_EC4B_0001

    /// The check of a chunk's `records` (the bytes after its check).
    public func of(_ records: UnsafeRawBufferPointer) -> UInt64 {
        switch self {
        case .serial: Hash64.hash(records, seed: Self.seed)
        case .lanes: Hash64.hashInLanes(records, seed: Self.seed)
        }
    }
}

/// Writes one stream as frames of `[length][bytes]`, the length a LEB128 varint, cut into
/// chunks of about `defaultChunkBytes` at frame boundaries (a frame never spans two chunks). Records
/// of integers (`add(words:)`) are varints too: a day, a profile id and a count take a byte
/// or three each, so a (user, day, profile, count) triple takes ~16 bytes, not 32. Each chunk
/// starts with its check (`ChunkCheck`), the sink's.
struct StateStreamWriter {
    static let defaultChunkBytes = 1 << 20
    let sink: any StateChunkSink
    let name: String
    let scope: String
    /// This writer's chunk size: `defaultChunkBytes`, or less where many streams are written at once.
    let chunkBytes: Int
    /// The chunk being filled, written in place: `Array.append` per frame and per varint byte
    /// was ~170 instructions a frame, ~170 M of a shard of eight's ~1 M frames; now the chunk
    /// is handed to the sink in place. Copies of a writer share it: use one of them.
    private let chunk: ChunkBuffer
    private var seq = 0
    private(set) var records = 0

    /// A writer that appends to the stream's chunks (a new stream starts at 0).
    init(_ sink: any StateChunkSink, name: String, scope: String, chunkBytes: Int = Self.defaultChunkBytes) throws {
        self.sink = sink
        self.name = name
        self.scope = scope
        self.chunkBytes = chunkBytes
        seq = try sink.nextSeq(name: name, scope: scope)
        chunk = ChunkBuffer(capacity: chunkBytes + 64)
    }

    mutating func add(_ bytes: UnsafeRawBufferPointer) throws {
        try beginFrame(length: bytes.count)
        if let source = bytes.baseAddress { (chunk.base + chunk.used).copyMemory(from: source, byteCount: bytes.count) }
        chunk.used += bytes.count
    }

    mutating func add(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try add($0) } }

    /// A record of integers, each a varint (a literal `[a, b, c]` is built on the stack), then
    /// `tail`'s bytes as they are (a text that runs to the record's end).
    mutating func add<let count: Int>(words: InlineArray<count, UInt64>, then tail: UnsafeRawBufferPointer = .init(start: nil, count: 0)) throws {
        var length = tail.count
        for i in words.indices { length += Varint.size(words[i]) }
        try beginFrame(length: length)
        for i in words.indices { chunk.used += Varint.put(words[i], at: chunk.base + chunk.used) }
        if let source = tail.baseAddress { (chunk.base + chunk.used).copyMemory(from: source, byteCount: tail.count) }
        chunk.used += tail.count
    }

    /// Starts a frame of `length` bytes: in a new chunk if this one cannot take it (a frame
    /// never spans two), with room for it, its length written.
    private mutating func beginFrame(length: Int) throws {
        if chunk.used + 10 + length > chunkBytes && chunk.used > ChunkBuffer.checkBytes { try flush() }
        chunk.reserve(10 + length)
        chunk.used += Varint.put(UInt64(length), at: chunk.base + chunk.used)
        records += 1
    }

    private mutating func flush() throws {
        let written = UnsafeRawBufferPointer(start: chunk.base, count: chunk.used)
        // The sink's check as the chunk goes in, not as the writer was made: a whole write
        // (`removeAllChunks`) changes it, and a writer made before that must follow.
        let check = sink.chunkCheck.of(UnsafeRawBufferPointer(rebasing: written[ChunkBuffer.checkBytes...]))
        chunk.base.storeBytes(of: check.littleEndian, as: UInt64.self)
        // Handed over in place: the sink copies what it keeps (SQLite, into its pages).
        try sink.appendChunk(name: name, scope: scope, seq: seq, written)
        seq += 1
        chunk.used = ChunkBuffer.checkBytes
    }

    /// Writes what is left.
    mutating func finish() throws {
        if chunk.used > ChunkBuffer.checkBytes { try flush() }
    }
}

/// A chunk's bytes as `StateStreamWriter` fills them: its check (8 bytes, set when it is
/// flushed), then frames. Grows only for a frame larger than a chunk (a frame never spans two).
final class ChunkBuffer {
    static let checkBytes = 8
    private(set) var base: UnsafeMutableRawPointer
    private var capacity: Int
    var used = checkBytes

    init(capacity: Int) {
        self.capacity = capacity
        base = .allocate(byteCount: capacity, alignment: 8)
    }

    deinit { base.deallocate() }

    /// Room for `count` more bytes.
    @inline(__always)
    func reserve(_ count: Int) {
        guard used + count > capacity else { return }
        let grown = UnsafeMutableRawPointer.allocate(byteCount: used + count, alignment: 8)
        grown.copyMemory(from: base, byteCount: used)
        base.deallocate()
        base = grown
        capacity = used + count
    }
}


/// Reads back a stream written by `StateStreamWriter`, one record at a time.
enum StateStreamReader {
    /// Calls `body` with each record (valid only inside the call); `fromSeq`: only those of
    /// the chunks from that one on (the chunks a batch appended after it).
    static func forEach(
        _ source: any StateChunkSource, name: String, scope: String, fromSeq seq: Int? = nil,
        _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        try forEachChunk(source, name: name, scope: scope, fromSeq: seq) { try records(of: $0, name: name, body) }
    }

    /// Calls `body` with the records of each chunk, checked, as they lie: each a varint length,
    /// then its bytes (valid only inside the call); `fromSeq` as for `forEach`.
    static func forEachChunk(
        _ source: any StateChunkSource, name: String, scope: String, fromSeq seq: Int? = nil,
        _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let check = source.chunkCheck
        guard let seq else {
            var number = 0
            return try source.forEachChunkBytes(name: name, scope: scope) { raw in
                number += 1
                try body(checked(raw, by: check, number: number, name: name, scope: scope))
            }
        }
        var buffer: [UInt8] = []
        var at: Int? = seq > 0 ? seq - 1 : nil
        while let next = try source.chunk(name: name, scope: scope, after: at, into: &buffer) {
            at = next
            try buffer.withUnsafeBytes { try body(checked($0, by: check, number: next + 1, name: name, scope: scope)) }
        }
    }

    /// The first record of a stream (its first chunk checked as `forEach` checks every chunk);
    /// nil when the stream has none. Reads one chunk, not the stream.
    static func firstRecord(_ source: any StateChunkSource, name: String, scope: String) throws -> [UInt8]? {
        var buffer: [UInt8] = []
        guard try source.chunk(name: name, scope: scope, after: nil, into: &buffer) != nil else { return nil }
        var first: [UInt8]?
        try buffer.withUnsafeBytes { raw in
            try records(of: checked(raw, by: source.chunkCheck, number: 1, name: name, scope: scope), name: name) { record in
                if first == nil { first = Array(record) }
            }
        }
        return first
    }

    /// Chunk `number` of a stream, its checksum checked: its records.
    static func checked(
        _ raw: UnsafeRawBufferPointer, by check: ChunkCheck, number: Int, name: String, scope: String
    ) throws -> UnsafeRawBufferPointer {
        let size = ChunkBuffer.checkBytes
        guard raw.count >= size,
            UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self)) == check.of(UnsafeRawBufferPointer(rebasing: raw[size...]))
        else { throw StateFormatError("chunk \(number) of \(name)\(scope.isEmpty ? "" : " (\(scope))") fails its checksum") }
        return UnsafeRawBufferPointer(rebasing: raw[size...])
    }

    /// Calls `body` with each record of a chunk's `records`.
    private static func records(of raw: UnsafeRawBufferPointer, name: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        var records = ChunkRecords(raw, name: name)
        while let record = try records.next() { try body(record) }
    }

    /// As `forEach`, with each record read as little-endian words (`StateStreamWriter.add(words:)`).
    static func forEachWords(
        _ source: any StateChunkSource, name: String, scope: String, fromSeq: Int? = nil, count: Int,
        _ body: (UnsafeBufferPointer<UInt64>) throws -> Void
    ) throws {
        try forEachWords(source, name: name, scope: scope, fromSeq: fromSeq, count: count, keep: { _ in true }, body)
    }

    /// As `forEachWords`; a record whose first word `keep` refuses is passed over, the rest of
    /// it not decoded. (Not escaping: an optional closure was, and its context was retained for
    /// every record, 1.4 M times a night.)
    static func forEachWords(
        _ source: any StateChunkSource, name: String, scope: String, fromSeq: Int? = nil, count: Int,
        keep: (UInt64) -> Bool, _ body: (UnsafeBufferPointer<UInt64>) throws -> Void
    ) throws {
        precondition(count > 0, "a record of words has one at least")
        // A buffer, not an array: handing an array to `body` retained it for every record.
        let words = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: count)
        words.initialize(repeating: 0)
        defer { words.deallocate() }
        // The chunk's records walked here rather than through `forEach`: a closure call per
        // record was ~40 of a record's ~160 instructions, most of them passed over by `keep`.
        try forEachChunk(source, name: name, scope: scope, fromSeq: fromSeq) { chunk in
            var records = ChunkRecords(chunk, name: name)
            while let raw = try records.next() {
                var at = 0
                guard let first = Varint.get(raw, &at) else { throw StateFormatError("a record of \(name) is cut short") }
                if !keep(first) { continue }
                words[0] = first
                for i in 1..<count {
                    guard let word = Varint.get(raw, &at) else { throw StateFormatError("a record of \(name) is cut short") }
                    words[i] = word
                }
                guard at == raw.count else { throw StateFormatError("a record of \(name) has \(raw.count - at) bytes too many") }
                try body(UnsafeBufferPointer(words))
            }
        }
    }
}

/// The records of a chunk (`StateStreamReader.forEachChunk`) as they lie, each a varint length
/// and then its bytes, walked by the caller's own loop: no call per record, where `forEach`
/// makes one. The one place a record's varint length is decoded.
struct ChunkRecords {
    private let chunk: UnsafeRawBufferPointer
    private let name: String
    /// Where the next record's length starts.
    private(set) var at: Int

    init(_ chunk: UnsafeRawBufferPointer, name: String, at: Int = 0) { (self.chunk, self.name, self.at) = (chunk, name, at) }

    /// The next record; nil after the last.
    @inline(__always)
    mutating func next() throws -> UnsafeRawBufferPointer? {
        guard at < chunk.count else { return nil }
        guard let count = Varint.get(chunk, &at).flatMap({ Int(exactly: $0) }), count <= chunk.count - at else {
            throw StateFormatError("a record of \(name) runs past its chunk")
        }
        defer { at += count }
        return UnsafeRawBufferPointer(rebasing: chunk[at..<at + count])
    }
}

/// The records of a chunk of a stream whose records all have `size` bytes (below 128, so that
/// each one's length is a byte), walked at that stride (the session events and the
/// fingerprints: read through `forEach`'s calls, ~60 instructions a record more). Any other
/// record is refused: one that runs past its chunk as `ChunkRecords` refuses it, one of
/// another size with `wrongSize(its size)`, and one whose length takes more than its one byte
/// (authstats writes the shortest) as not written so.
struct FixedSizeRecords {
    private let chunk: UnsafeRawBufferPointer
    private let size: Int
    private let name: String
    private let wrongSize: (Int) -> String
    private var at = 0

    init(_ chunk: UnsafeRawBufferPointer, size: Int, name: String, wrongSize: @escaping (Int) -> String) {
        precondition(size > 0 && size < 0x80, "a record's length is one byte")
        (self.chunk, self.size, self.name, self.wrongSize) = (chunk, size, name, wrongSize)
    }

    /// A chunk of the compact session events (`SessionRecord.compactCount` bytes each).
    static func compactSessions(_ chunk: UnsafeRawBufferPointer) -> FixedSizeRecords {
        FixedSizeRecords(chunk, size: SessionRecord.compactCount, name: Analysis.Stream.sessions) { _ in notASessionRecord }
    }

    /// A chunk of the fingerprint stream `name` (`FingerprintLog.entryBytes` each).
    static func fingerprints(_ chunk: UnsafeRawBufferPointer, name: String) -> FixedSizeRecords {
        FixedSizeRecords(chunk, size: FingerprintLog.entryBytes, name: name) { "a fingerprint has \($0) bytes" }
    }

    /// Why a session record that is not one of the kind expected is refused.
    static let notASessionRecord = "a session record is not one authstats writes"

    @inline(__always)
    mutating func next() throws -> UnsafeRawBufferPointer? {
        guard at < chunk.count else { return nil }
        // Refusing, not reading, what is not a one-byte length keeps this loop as tight as a
        // loop that only ever steps by the stride (one that could also read a longer length
        // cost the session events ~10 instructions a record more).
        guard chunk[at] == size, size < chunk.count - at else { throw refusal() }
        defer { at += 1 + size }
        return UnsafeRawBufferPointer(rebasing: chunk[(at + 1)..<(at + 1 + size)])
    }

    /// Why the record at `at` is not one of `size` bytes with a one-byte length.
    private func refusal() -> Error {
        var records = ChunkRecords(chunk, name: name, at: at)
        do {
            guard let record = try records.next() else { preconditionFailure("a record is read before the chunk's end") }
            guard record.count == size else { return StateFormatError(wrongSize(record.count)) }
            return StateFormatError("a record of \(name) has its length in \(records.at - at - size) bytes, where authstats writes one")
        } catch {
            return error
        }
    }
}

/// LEB128: seven bits a byte, low first, the high bit set on all but the last.
enum Varint {
    /// Writes `value` at `at` (room for `size(value)` bytes, at most 10); returns how many.
    @inline(__always)
    static func put(_ value: UInt64, at: UnsafeMutableRawPointer) -> Int {
        var v = value
        var n = 0
        while v >= 0x80 {
            at.storeBytes(of: UInt8(truncatingIfNeeded: v) | 0x80, toByteOffset: n, as: UInt8.self)
            n += 1
            v >>= 7
        }
        at.storeBytes(of: UInt8(v), toByteOffset: n, as: UInt8.self)
        return n + 1
    }

    /// Appends `value` to `out`.
    @inline(__always)
    static func put(_ value: UInt64, _ out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(byteCount: 10, alignment: 1) { scratch in
            let count = put(value, at: scratch.baseAddress!)
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[..<count]))
        }
    }

    /// The bytes `put` writes for `value` (1 to 10).
    @inline(__always)
    static func size(_ value: UInt64) -> Int { (64 - (value | 1).leadingZeroBitCount + 6) / 7 }

    /// A signed number as an unsigned one with its sign in the low bit (0, −1, 1, −2 …: 0, 1,
    /// 2, 3 …), so that a small negative number is a short varint too.
    @inline(__always)
    static func zigzag(_ n: Int) -> UInt64 { UInt64(bitPattern: Int64(n << 1 ^ n >> 63)) }

    /// The number `zigzag` made `w` from.
    @inline(__always)
    static func unzigzag(_ w: UInt64) -> Int { Int(Int64(bitPattern: w >> 1) ^ -Int64(bitPattern: w & 1)) }

    /// The varint at `at` (moved past it); nil when cut short or longer than 64 bits.
    ///
    /// With 8 bytes to read, a varint of up to 8 bytes is decoded from one word: its last byte
    /// found by the first clear high bit, its seven-bit groups gathered with shifts. A user
    /// hash takes 10 bytes, and the byte loop was ~80 instructions of one (a night reads 2 M);
    /// now ~35. (`getByBytes` is the rule; the tests compare the two on every length.)
    /// A one-byte varint (a record's length, a small count) is read as a byte first.
    @inline(__always)
    static func get(_ raw: UnsafeRawBufferPointer, _ at: inout Int) -> UInt64? {
        guard at >= 0, at < raw.count else { return nil }
        if raw[at] < 0x80 {
            at += 1
            return UInt64(raw[at - 1])
        }
        guard at + 8 <= raw.count else { return getByBytes(raw, &at) }
        let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self))
        let ends = ~word & 0x8080_8080_8080_8080
        guard ends != 0 else {
            // Nine or ten bytes: the first eight hold 56 bits.
            guard at + 10 <= raw.count else { return getByBytes(raw, &at) }
            var value = gather(word)
            let ninth = raw[at + 8]
            value |= UInt64(ninth & 0x7F) << 56
            if ninth < 0x80 {
                at += 9
                return value
            }
            let tenth = raw[at + 9]
            guard tenth < 0x80 else { return getByBytes(raw, &at) }  // longer than 64 bits: nil
            at += 10
            return value | UInt64(tenth & 0x7F) << 63
        }
        let bytes = ends.trailingZeroBitCount >> 3 + 1
        at += bytes
        return gather(bytes == 8 ? word : word & (1 << (bytes << 3) - 1))
    }

    /// The seven-bit groups of the bytes of `word`, low byte first, without their high bits.
    @inline(__always)
    private static func gather(_ word: UInt64) -> UInt64 {
        var value = word & 0x7F
        value |= word >> 1 & 0x7F << 7
        value |= word >> 2 & 0x7F << 14
        value |= word >> 3 & 0x7F << 21
        value |= word >> 4 & 0x7F << 28
        value |= word >> 5 & 0x7F << 35
        value |= word >> 6 & 0x7F << 42
        value |= word >> 7 & 0x7F << 49
        return value
    }

    /// `get`, a byte at a time.
    static func getByBytes(_ raw: UnsafeRawBufferPointer, _ at: inout Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while at < raw.count && shift < 64 {
            let byte = raw[at]
            at += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        return nil
    }
}

/// A state whose data does not read as authstats wrote it.
public struct StateFormatError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = "the state's data is damaged: " + description }
}

/// Streams kept in memory, for tests.
public final class MemoryStateChunks: StateChunkSink, StateChunkSource, @unchecked Sendable {
    private var streams: [String: [String: [[UInt8]]]] = [:]
    public private(set) var chunkCheck: ChunkCheck

    /// Empty; `check` as a state made before schema version 3 would have it, for tests.
    public init(check: ChunkCheck = .current) { chunkCheck = check }

    public func appendChunk(name: String, scope: String, seq: Int, _ data: UnsafeRawBufferPointer) throws {
        streams[name, default: [:]][scope, default: []].append(Array(data))
    }

    public func forEachChunk(name: String, scope: String, _ body: ([UInt8]) throws -> Void) throws {
        for chunk in streams[name]?[scope] ?? [] { try body(chunk) }
    }

    public func scopes(of name: String) throws -> [String] {
        (streams[name] ?? [:]).keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    public func chunk(name: String, scope: String, after seq: Int?, into buffer: inout [UInt8]) throws -> Int? {
        let chunks = streams[name]?[scope] ?? []
        let next = seq.map { $0 + 1 } ?? 0
        guard next < chunks.count else { return nil }
        buffer.removeAll(keepingCapacity: true)
        buffer.append(contentsOf: chunks[next])
        return next
    }

    public func nextSeq(name: String, scope: String) throws -> Int { streams[name]?[scope]?.count ?? 0 }

    public func removeAllChunks() throws {
        streams = [:]
        chunkCheck = .current
    }

    public func removeChunks(name: String, scope: String) throws { streams[name]?[scope] = nil }
}

/// Set when one of the threads reading a state failed: the others stop at their next chunk.
final class StopSignal: @unchecked Sendable {
    // Unchecked: `stopped` is only touched under `lock`.
    private let lock = NSLock()
    private var stopped = false

    func stop() { lock.withLock { stopped = true } }

    /// Throws `CancellationError` once stopped.
    func check() throws { if lock.withLock({ stopped }) { throw CancellationError() } }
}

/// A source shared by threads that each read their own streams (`Analysis.restore`): each
/// chunk is copied out under a lock into the reading thread's buffer, and decoded outside it.
/// (Stopping is `StoppableChunkSource`'s, over this one.)
final class LockedChunkSource: StateChunkSource, @unchecked Sendable {
    // Unchecked: every use of `base` is under `lock`.
    private let base: any StateChunkSource
    private let lock = NSLock()
    /// The base's, kept: a source is only read, so its check cannot change, and asking
    /// `base` would take the lock.
    let chunkCheck: ChunkCheck

    init(_ base: any StateChunkSource) {
        self.base = base
        chunkCheck = base.chunkCheck
    }

    func forEachChunk(name: String, scope: String, _ body: ([UInt8]) throws -> Void) throws {
        var buffer: [UInt8] = []
        var seq: Int?
        while let next = try chunk(name: name, scope: scope, after: seq, into: &buffer) {
            seq = next
            try body(buffer)
        }
    }

    func scopes(of name: String) throws -> [String] { try lock.withLock { try base.scopes(of: name) } }

    func chunk(name: String, scope: String, after seq: Int?, into buffer: inout [UInt8]) throws -> Int? {
        try lock.withLock { try base.chunk(name: name, scope: scope, after: seq, into: &buffer) }
    }

    func streamSize(name: String, scope: String) throws -> (chunks: Int, bytes: Int) {
        try lock.withLock { try base.streamSize(name: name, scope: scope) }
    }
}

/// A restore thread's source (a connection of its own, or a `LockedChunkSource` the threads
/// share): its chunks are passed on as they are, and a stop of `signal` (another thread failed)
/// ends it at the next chunk, with `CancellationError`.
final class StoppableChunkSource: StateChunkSource {
    private let base: any StateChunkSource
    private let signal: StopSignal

    init(_ base: any StateChunkSource, signal: StopSignal) {
        self.base = base
        self.signal = signal
    }

    var chunkCheck: ChunkCheck { base.chunkCheck }

    func forEachChunk(name: String, scope: String, _ body: ([UInt8]) throws -> Void) throws {
        try base.forEachChunk(name: name, scope: scope) { chunk in
            try signal.check()
            try body(chunk)
        }
    }

    func forEachChunkBytes(name: String, scope: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        try base.forEachChunkBytes(name: name, scope: scope) { raw in
            try signal.check()
            try body(raw)
        }
    }

    func scopes(of name: String) throws -> [String] { try base.scopes(of: name) }

    func chunk(name: String, scope: String, after seq: Int?, into buffer: inout [UInt8]) throws -> Int? {
        try signal.check()
        return try base.chunk(name: name, scope: scope, after: seq, into: &buffer)
    }

    func streamSize(name: String, scope: String) throws -> (chunks: Int, bytes: Int) { try base.streamSize(name: name, scope: scope) }
}

/// A stream of byte records for code outside this module (the shard runs' rejects, kept by the
/// command line's `ShardRuns`): framed and checked as every stream is, so that `state info`'s
/// and a merge's checks of every chunk read it as they read the others.
public enum StateRecords {
    /// Appends `records` to the stream (after the chunks it has).
    public static func write(_ records: some Sequence<[UInt8]>, to sink: any StateChunkSink, name: String, scope: String = "") throws {
        var writer = try StateStreamWriter(sink, name: name, scope: scope)
        for record in records { try writer.add(record) }
        try writer.finish()
    }

    /// Calls `body` with each record, its chunk's check checked (valid only inside the call).
    public static func forEach(
        _ source: any StateChunkSource, name: String, scope: String = "", _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        try StateStreamReader.forEach(source, name: name, scope: scope, body)
    }
}
