import Foundation

/// A state's sorted streams read in place, as runs of the end phase's merges, where a restore
/// would copy them into runs of the temporary store first (`docs/state.md` "Merging states"):
/// the fingerprints' buckets (runs of `DuplicateFilter`) and the compact session events (a run
/// of the session log, `SortedRecordLog`).
///
/// In a state written whole in one batch, each of these streams is one sorted run: read from
/// the state a chunk at a time as its merge asks, each chunk checked and each record validated
/// as a restore validates it (a fingerprint's profile among the state's, its day a day and its
/// bucket's; a session event one authstats writes), and the stream in order. A fingerprint
/// goes out as the 48-byte entry of a spilled run (`FingerprintLog`), a session event as a
/// frame of one (`SortedRecordLog.frame`), so `RunReader` and `FrameReader` read them as they
/// read any run. What cannot be read is noted in `failure`, which the command asks before it
/// writes any report.
///
/// Runs may be read from several threads at once (groups of fingerprints and the sessions are
/// merged at the same time): the state's connection is used under one lock for all its scopes
/// (`LockedChunkSource`), a chunk copied out at a time, and each run's cursor by the one thread
/// that reads that run. A run holds its current chunk: 1 MiB of session events, 256 KiB of
/// fingerprints.
final class StateStreamRuns: SpillStore, @unchecked Sendable {
    // Unchecked: `source` locks itself (a `LockedChunkSource` shared by the state's scopes);
    // `cursors` is used under `lock`, a cursor by its run's reader.
    private let source: any StateChunkSource
    private let scope: String
    /// The state, as messages name it.
    private let label: String
    private let profiles: UInt64
    private let failure: StateReadFailure
    private let lock = NSLock()
    private var cursors: [Int: Cursor] = [:]

    /// Run ids: the fingerprint buckets are 0..<8, the session events this one.
    private static let sessionsRun = Analysis.Stream.fingerprintBuckets

    /// Where a run's reading stands: its current chunk and the next record in it.
    private final class Cursor {
        var seq: Int?
        var chunk: [UInt8] = []
        /// The chunk's records, past its check (within `chunk`).
        var records: Range<Int> = 0..<0
        var at = 0
        /// Bytes handed out so far.
        var delivered = 0
        /// The last record of the chunk before, for the order (the records of one chunk are
        /// compared in place); none before the run's second chunk.
        let last = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 8)
        var hasLast = false
        var failed = false

        deinit { last.deallocate() }
    }

    private init(source: any StateChunkSource, scope: String, label: String, profiles: UInt64, failure: StateReadFailure) {
        (self.source, self.scope, self.label, self.profiles, self.failure) = (source, scope, label, profiles, failure)
    }

    /// What of `source`'s streams in `scope` can be read in place: the fingerprints' buckets
    /// (empty ones left out; none when a version-1 stream of every day holds some, or when a
    /// bucket's bytes are not whole records: a restore then reads them, and says what is
    /// wrong), and the compact session events when `sessions` (nil when their bytes are not
    /// whole records); neither when the state's chunks were written before schema version 3.
    /// `profiles`: how many profiles the state holds.
    static func runs(
        of source: any StateChunkSource, scope: String, label: String, profiles: UInt64, failure: StateReadFailure, sessions: Bool
    ) throws -> (fingerprints: [SpilledRun]?, sessions: SpilledRun?) {
        let store = StateStreamRuns(source: source, scope: scope, label: label, profiles: profiles, failure: failure)
        func records(_ name: String, of size: Int) throws -> Int? {
            let (chunks, bytes) = try source.streamSize(name: name, scope: scope)
            let records = bytes - chunks * ChunkBuffer.checkBytes
            return records >= 0 && records % (1 + size) == 0 ? records / (1 + size) : nil
        }
        // Chunks of the `lanes` check were written whole since schema version 3 (2026-12-03),
        // every stream sorted; before, a build may have written some unsorted.
        guard source.chunkCheck == .lanes else { return (nil, nil) }
        var fingerprints: [SpilledRun]?
        if try source.streamSize(name: Analysis.Stream.fingerprints, scope: scope).chunks == 0 {
            let counts = try (0..<Analysis.Stream.fingerprintBuckets).map {
                try records(Analysis.Stream.fingerprints(bucket: $0), of: FingerprintLog.entryBytes)
            }
            if !counts.contains(nil) {
                fingerprints = counts.enumerated().compactMap { bucket, count in
                    count! > 0 ? SpilledRun(store: store, id: bucket, count: count!, group: bucket) : nil
                }
            }
        }
        var events: SpilledRun?
        if sessions, let count = try records(Analysis.Stream.sessions, of: SessionRecord.compactCount) {
            events = SpilledRun(store: store, id: sessionsRun, count: count)
        }
        return (fingerprints, events)
    }

    func write(_ bytes: [UInt8]) throws -> Int { throw StateFormatError("a state's streams are read in place, never written") }

    func append(run: Int, _ bytes: [UInt8]) throws { throw StateFormatError("a state's streams are read in place, never written") }

    func read(run: Int, offset: Int, count: Int) throws -> [UInt8] {
        try [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
            initialized = try read(run: run, offset: offset, into: UnsafeMutableRawBufferPointer(out))
        }
    }

    /// The run's records from byte `offset` on, as many whole ones as fit (entries or frames):
    /// read in order (`RunReader` and `FrameReader` ask for their blocks one after another).
    func read(run: Int, offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let cursor = lock.withLock {
            if let cursor = cursors[run] { return cursor }
            let cursor = Cursor()
            cursors[run] = cursor
            return cursor
        }
        guard !cursor.failed else { return 0 }
        let name = streamName(run)
        guard offset == cursor.delivered else {
            throw fail(cursor, "\(StateFormatError("byte \(offset) of \(name) asked for out of order (after \(cursor.delivered))"))")
        }
        var written = 0
        while true {
            if cursor.at >= cursor.records.upperBound {
                // The last record, kept for the order before its chunk goes.
                if cursor.at > cursor.records.lowerBound {
                    let size = recordSize(run)
                    cursor.chunk.withUnsafeBytes { cursor.last.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[(cursor.at - size)..<cursor.at])) }
                    cursor.hasLast = true
                }
                guard try nextChunk(cursor, name: name) else { break }
                continue
            }
            let before = written
            do {
                written = try cursor.chunk.withUnsafeBytes { raw in
                    run == Self.sessionsRun
                        ? try takeSessions(from: raw, cursor, into: buffer, at: written)
                        : try takeFingerprints(from: raw, cursor, bucket: run, into: buffer, at: written)
                }
            } catch {
                throw fail(cursor, "\(error)")
            }
            cursor.delivered += written - before
            if written == before { break }  // the buffer is full
        }
        return written
    }

    private func recordSize(_ run: Int) -> Int {
        run == Self.sessionsRun ? SessionRecord.compactCount : FingerprintLog.entryBytes
    }

    /// The record at `p` of one byte's length `size` (of the stream `name`), or the error
    /// `FixedSizeRecords` gives, as a restore gives it.
    @inline(__always)
    private func record(_ raw: UnsafeRawBufferPointer, at p: Int, end: Int, size: Int, name: String) throws -> UnsafeRawBufferPointer {
        guard raw[p] == size, p + size < end else {
            let rest = UnsafeRawBufferPointer(rebasing: raw[p..<end])
            var records = size == FingerprintLog.entryBytes
                ? FixedSizeRecords.fingerprints(rest, name: name) : FixedSizeRecords.compactSessions(rest)
            _ = try records.next()
            throw StateFormatError("a record of \(name) is cut short")
        }
        return UnsafeRawBufferPointer(rebasing: raw[(p + 1)..<(p + 1 + size)])
    }

    /// The record handed out last, before `p` in this chunk or kept from the chunk before;
    /// nil before the run's first.
    @inline(__always)
    private func previous(_ raw: UnsafeRawBufferPointer, _ cursor: Cursor, at p: Int, size: Int) -> UnsafeRawBufferPointer? {
        if p > cursor.records.lowerBound { return UnsafeRawBufferPointer(rebasing: raw[(p - size)..<p]) }
        return cursor.hasLast ? UnsafeRawBufferPointer(rebasing: cursor.last[0..<size]) : nil
    }

    /// Moves the chunk's records from `cursor.at` into `buffer` from `start` on, until either
    /// ends: each record (of `size` bytes, one byte's length before it) checked by `check`
    /// against the record before it, then written by `put` as `outSize` bytes. Returns where
    /// `buffer` is filled to.
    @inline(__always)
    private func take(
        from raw: UnsafeRawBufferPointer, _ cursor: Cursor, name: String, size: Int, outSize: Int,
        into buffer: UnsafeMutableRawBufferPointer, at start: Int,
        check: (_ record: UnsafeRawBufferPointer, _ previous: UnsafeRawBufferPointer?) throws -> Void,
        put: (_ record: UnsafeRawBufferPointer, _ out: UnsafeMutableRawPointer) -> Void
    ) throws -> Int {
        let end = cursor.records.upperBound
        var written = start
        var p = cursor.at
        defer { cursor.at = p }
        var previous = previous(raw, cursor, at: p, size: size)
        while written + outSize <= buffer.count && p < end {
            let record = try record(raw, at: p, end: end, size: size, name: name)
            try check(record, previous)
            put(record, buffer.baseAddress! + written)
            previous = record
            written += outSize
            p += 1 + size
        }
        return written
    }

    /// `take` for the fingerprints of bucket `bucket`: each validated as a restore validates it
    /// (`Analysis.check`), in the merge's order (fingerprint, input), copied as it lies.
    @inline(__always)
    private func takeFingerprints(
        from raw: UnsafeRawBufferPointer, _ cursor: Cursor, bucket: Int, into buffer: UnsafeMutableRawBufferPointer, at start: Int
    ) throws -> Int {
        let size = FingerprintLog.entryBytes
        let name = streamName(bucket)
        return try take(from: raw, cursor, name: name, size: size, outSize: size, into: buffer, at: start) { entry, previous in
            // The fields a restore checks, read as a restore reads them.
            try Analysis.check(FingerprintLog.decode(entry, at: 0).1, of: profiles, in: name, bucket: bucket)
            if let previous, Self.fingerprintKey(entry) < Self.fingerprintKey(previous) {
                throw StateFormatError("the fingerprints of \(name) are out of order")
            }
        } put: { entry, out in
            for w in stride(from: 0, to: size, by: 8) {
                out.storeBytes(of: entry.loadUnaligned(fromByteOffset: w, as: UInt64.self), toByteOffset: w, as: UInt64.self)
            }
        }
    }

    /// A fingerprint entry's merge key: its fingerprint, then its input.
    private static func fingerprintKey(_ entry: UnsafeRawBufferPointer) -> (UInt64, UInt64, UInt64) {
        func word(_ at: Int) -> UInt64 { UInt64(littleEndian: entry.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
        return (word(0), word(8), word(24))
    }

    /// `take` for the compact session events: each one authstats writes, in byte order,
    /// framed as a run of the session log holds it (`SortedRecordLog.frame`).
    @inline(__always)
    private func takeSessions(
        from raw: UnsafeRawBufferPointer, _ cursor: Cursor, into buffer: UnsafeMutableRawBufferPointer, at start: Int
    ) throws -> Int {
        let size = SessionRecord.compactCount
        let name = Analysis.Stream.sessions
        return try take(from: raw, cursor, name: name, size: size, outSize: 4 + size, into: buffer, at: start) { event, previous in
            guard let view = SessionRecordView(event, compact: true), view.isWellFormed else {
                throw StateFormatError(FixedSizeRecords.notASessionRecord)
            }
            if let previous, memcmp(previous.baseAddress!, event.baseAddress!, size) > 0 {
                throw StateFormatError("the session events of \(name) are out of order")
            }
        } put: { event, out in
            SortedRecordLog.frame(event, into: UnsafeMutableRawBufferPointer(start: out, count: 4 + size))
        }
    }

    /// Reads the run's next chunk, checked; false past its last.
    private func nextChunk(_ cursor: Cursor, name: String) throws -> Bool {
        do {
            let check = source.chunkCheck
            // (`source` is a `LockedChunkSource`: one lock for every scope of the state.)
            let seq = try source.chunk(name: name, scope: scope, after: cursor.seq, into: &cursor.chunk)
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

    private func streamName(_ run: Int) -> String {
        run == Self.sessionsRun ? Analysis.Stream.sessions : Analysis.Stream.fingerprints(bucket: run)
    }

    func remove(run: Int) { lock.withLock { cursors[run] = nil } }

    func readFailed(_ reason: String) { failure.note(reason) }
}

/// Why a state read in place at a merge's end could not be read (the first reason), for the
/// command to report before it writes any report (`StateStreamRuns`).
public final class StateReadFailure: @unchecked Sendable {
    // Unchecked: `first` is used under `lock`.
    private let lock = NSLock()
    private var first: String?

    public init() {}

    public var reason: String? { lock.withLock { first } }

    func note(_ reason: String) { lock.withLock { if first == nil { first = reason } } }
}
