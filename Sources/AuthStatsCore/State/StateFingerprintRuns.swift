import Foundation

/// A state's fingerprint streams read in place, as sorted runs of the duplicates' merge
/// (`DuplicateFilter.resolveByGroup`), where a restore would copy them into runs of the
/// temporary store first (`docs/state.md` "Merging states").
///
/// Each bucket stream (`fingerprints.0` … `fingerprints.7`) of a state written whole in one
/// batch is one sorted run of its day group: run `b` is bucket `b`, read from the state a
/// chunk at a time as the merge asks, each chunk checked and each entry validated as a
/// restore validates it (its profile among the state's, its day a day, its bucket its day's,
/// and in order). Its entries are the 48-byte entries of a spilled run (`FingerprintLog`), so
/// `RunReader` reads them as it reads any run. What cannot be read is noted in `failure`,
/// which the command asks before it writes any report.
///
/// Reads of two runs may come from two threads at once (two groups are merged at a time):
/// the state's connection is used under a lock, a chunk copied out at a time.
final class StateFingerprintRuns: SpillStore, @unchecked Sendable {
    // Unchecked: `source` is used under `lock`; each run's cursor by the one thread that
    // reads that run (`cursors` itself under `lock`).
    private let source: any StateChunkSource
    private let scope: String
    /// The state, as messages name it.
    private let label: String
    private let profiles: UInt64
    private let failure: StateReadFailure
    private let lock = NSLock()
    private var cursors: [Int: Cursor] = [:]

    /// Where a run's reading stands: its current chunk and the next entry in it.
    private final class Cursor {
        var seq: Int?
        var chunk: [UInt8] = []
        /// The chunk's records, past its check (within `chunk`).
        var records: Range<Int> = 0..<0
        var at = 0
        /// Entries handed out so far.
        var delivered = 0
        var last: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var failed = false
    }

    private init(source: any StateChunkSource, scope: String, label: String, profiles: UInt64, failure: StateReadFailure) {
        (self.source, self.scope, self.label, self.profiles, self.failure) = (source, scope, label, profiles, failure)
    }

    /// The runs of `source`'s fingerprint buckets in `scope` (empty buckets left out), or nil
    /// when they cannot be read in place: a version-1 stream of every day holds some, or a
    /// bucket's bytes are not whole entries (a restore then reads them, and says what is
    /// wrong). `profiles`: how many profiles the state holds.
    static func runs(
        of source: any StateChunkSource, scope: String, label: String, profiles: UInt64, failure: StateReadFailure
    ) throws -> [SpilledRun]? {
        guard try source.streamSize(name: Analysis.Stream.fingerprints, scope: scope).chunks == 0 else { return nil }
        let store = StateFingerprintRuns(source: source, scope: scope, label: label, profiles: profiles, failure: failure)
        var runs: [SpilledRun] = []
        let stride = 1 + FingerprintLog.entryBytes
        for bucket in 0..<Analysis.Stream.fingerprintBuckets {
            let (chunks, bytes) = try source.streamSize(name: Analysis.Stream.fingerprints(bucket: bucket), scope: scope)
            let records = bytes - chunks * ChunkBuffer.checkBytes
            guard records >= 0, records % stride == 0 else { return nil }
            if records > 0 { runs.append(SpilledRun(store: store, id: bucket, count: records / stride, group: bucket)) }
        }
        return runs
    }

    func write(_ bytes: [UInt8]) throws -> Int { throw StateFormatError("a state's fingerprints are read in place, never written") }

    func append(run: Int, _ bytes: [UInt8]) throws { throw StateFormatError("a state's fingerprints are read in place, never written") }

    func read(run: Int, offset: Int, count: Int) throws -> [UInt8] {
        try [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
            initialized = try read(run: run, offset: offset, into: UnsafeMutableRawBufferPointer(out))
        }
    }

    /// The run's entries from `offset` on, as many whole ones as fit: read in order (`RunReader`
    /// asks for its blocks one after another).
    func read(run: Int, offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let cursor = lock.withLock {
            if let cursor = cursors[run] { return cursor }
            let cursor = Cursor()
            cursors[run] = cursor
            return cursor
        }
        let size = FingerprintLog.entryBytes
        guard !cursor.failed else { return 0 }
        guard offset == cursor.delivered * size else {
            throw fail(cursor, "\(StateFormatError("entry \(offset / size) of \(streamName(run)) asked for out of order (after \(cursor.delivered))"))")
        }
        let name = streamName(run)
        var written = 0
        while written + size <= buffer.count {
            if cursor.at >= cursor.records.upperBound {
                guard try nextChunk(cursor, name: name) else { break }
                continue
            }
            do {
                written = try cursor.chunk.withUnsafeBytes { raw in try take(from: raw, cursor, run: run, into: buffer, at: written) }
            } catch {
                throw fail(cursor, "\(error)")
            }
        }
        return written
    }

    /// Moves the chunk's entries from `cursor.at` into `buffer` from `written` on, each
    /// validated, until either ends; returns where `buffer` is filled to.
    @inline(__always)
    private func take(
        from raw: UnsafeRawBufferPointer, _ cursor: Cursor, run: Int, into buffer: UnsafeMutableRawBufferPointer, at start: Int
    ) throws -> Int {
        let size = FingerprintLog.entryBytes
        let end = cursor.records.upperBound
        var written = start
        var p = cursor.at
        defer {
            cursor.delivered += (written - start) / size
            cursor.at = p
        }
        func word(_ at: Int) -> UInt64 { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
        while written + size <= buffer.count && p < end {
            guard raw[p] == size, p + size < end else {
                // Not a one-byte length of 48: FixedSizeRecords says what it is.
                var records = FixedSizeRecords.fingerprints(UnsafeRawBufferPointer(rebasing: raw[p..<end]), name: streamName(run))
                _ = try records.next()
                throw StateFormatError("a record of \(streamName(run)) is cut short")
            }
            let e = p + 1
            // The fields a restore checks (`FingerprintLog.encode`'s layout): day, profile.
            let day = Int32(littleEndian: raw.loadUnaligned(fromByteOffset: e + 16, as: Int32.self))
            let profile = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: e + 20, as: UInt32.self))
            guard UInt64(profile) < profiles, Analysis.days.contains(Int64(day)) else {
                throw StateFormatError("a fingerprint names profile \(profile) of \(profiles), day \(day)")
            }
            guard Analysis.Stream.fingerprintBucket(day: day) == run else {
                throw StateFormatError("a fingerprint of day \(day) is in \(streamName(run))")
            }
            // One batch wrote the stream: one run, in the merge's order.
            let key = (word(e), word(e + 8), word(e + 24))
            guard cursor.delivered == 0 && written == start || cursor.last <= key else {
                throw StateFormatError("the fingerprints of \(streamName(run)) are out of order")
            }
            cursor.last = key
            let out = buffer.baseAddress! + written
            for w in stride(from: 0, to: size, by: 8) { out.storeBytes(of: raw.loadUnaligned(fromByteOffset: e + w, as: UInt64.self), toByteOffset: w, as: UInt64.self) }
            written += size
            p = e + size
        }
        return written
    }

    /// Reads the run's next chunk, checked; false past its last.
    private func nextChunk(_ cursor: Cursor, name: String) throws -> Bool {
        do {
            let check = source.chunkCheck
            let seq = try lock.withLock { try source.chunk(name: name, scope: scope, after: cursor.seq, into: &cursor.chunk) }
            guard let seq else { return false }
            cursor.seq = seq
            let records = try cursor.chunk.withUnsafeBytes { raw in
                try StateStreamReader.checked(raw, by: check, number: seq + 1, name: name, scope: scope)
            }
            cursor.records = ChunkBuffer.checkBytes..<(ChunkBuffer.checkBytes + records.count)
            cursor.at = cursor.records.lowerBound
            return true
        } catch {
            throw fail(cursor, "\(error)")
        }
    }

    private func fail(_ cursor: Cursor, _ reason: String) -> Error {
        cursor.failed = true
        return Unreadable(description: "the state in \(label): \(reason)")
    }

    /// What could not be read, and where (the reason as the restore would have given it).
    private struct Unreadable: Error, CustomStringConvertible {
        let description: String
    }

    private func streamName(_ run: Int) -> String { Analysis.Stream.fingerprints(bucket: run) }

    func remove(run: Int) { lock.withLock { cursors[run] = nil } }

    func readFailed(_ reason: String) { failure.note(reason) }
}

/// Why a state read in place at a merge's end could not be read (the first reason), for the
/// command to report before it writes any report (`StateFingerprintRuns`).
public final class StateReadFailure: @unchecked Sendable {
    // Unchecked: `first` is used under `lock`.
    private let lock = NSLock()
    private var first: String?

    public init() {}

    public var reason: String? { lock.withLock { first } }

    func note(_ reason: String) { lock.withLock { if first == nil { first = reason } } }
}
