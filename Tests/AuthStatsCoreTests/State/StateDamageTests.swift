@testable import AuthStatsCore
import AuthStatsTestSupport
import Testing

/// A state whose chunks pass their checksum (rewritten by hand, or by another program) but
/// whose records are not what authstats writes: each is refused as damage when it is read,
/// never trusted as an index, a length or a day (`docs/state.md` "Tables").
@Suite struct StateDamageTests {
    static let names = [
        Analysis.Stream.profiles, Analysis.Stream.counters, Analysis.Stream.activity, Analysis.Stream.users,
        Analysis.Stream.kinds, Analysis.Stream.observations, Analysis.Stream.sessions, Analysis.Stream.totals,
        Analysis.Stream.parity,
    ] + Analysis.Stream.allFingerprints

    /// `compact`: the session log in the counts-only layout (no session rows), as shard
    /// states keep it by default.
    static func configuration(compact: Bool = false) -> Analysis.Configuration {
        var configuration = Analysis.Configuration(timeZone: "UTC")!
        configuration.keepsAllDays = true
        configuration.profiles.collect = true
        configuration.sessionRows = !compact
        return configuration
    }

    /// A state of a few events (one session with a session id, one without, an auth failure),
    /// and `filler` more page views of as many users.
    static func saved(filler: Int = 0, compact: Bool = false) throws -> MemoryStateChunks {
        let lines = [
            PinpointLine("_userauth.sign_in", iso: "2026-11-01T10:00:00Z", user: "u1", session: "s1"),
            PinpointLine("page_view", iso: "2026-11-01T10:05:00Z", user: "u1"),
            PinpointLine("_userauth.auth_fail", iso: "2026-11-01T10:06:00Z", user: "u2"),
        ] + (0..<filler).map { PinpointLine("page_view", iso: "2026-11-02T10:00:00Z", user: "filler-\($0)") }
        let analysis = Analysis(configuration: configuration(compact: compact), rejects: RejectCollector())
        let stream = analysis.beginStream(path: "a.json", member: nil, compression: "none", container: nil)
        Array(lines.map(\.json).joined(separator: "\n").utf8).withUnsafeBytes { stream.read(bytes: $0) }
        stream.end()
        let state = MemoryStateChunks()
        try analysis.save(to: state, .whole(detailFrom: nil))
        return state
    }

    /// `state` with the records of stream `name` (scope "") passed through `change`, its
    /// chunks written again (with good checksums). The fingerprints (`Stream.fingerprints`)
    /// are taken from every bucket and written into `into` (default: the version-1 stream).
    static func rewritten(
        _ state: MemoryStateChunks, _ name: String, into target: String? = nil, _ change: ([UInt8]) -> [UInt8]
    ) throws -> MemoryStateChunks {
        let out = MemoryStateChunks()
        let sources = name == Analysis.Stream.fingerprints ? Analysis.Stream.allFingerprints : [name]
        for other in names where !sources.contains(other) {
            for scope in try state.scopes(of: other) {
                var seq = 0
                try state.forEachChunk(name: other, scope: scope) { chunk in
                    try out.appendChunk(name: other, scope: scope, seq: seq, chunk)
                    seq += 1
                }
            }
        }
        var records: [[UInt8]] = []
        for source in sources { try StateStreamReader.forEach(state, name: source, scope: "") { records.append(Array($0)) } }
        var writer = try StateStreamWriter(out, name: target ?? name, scope: "")
        for record in records { try writer.add(change(record)) }
        try writer.finish()
        return out
    }

    /// Words of an integer record, changed, as varints again.
    static func words(_ change: @escaping (inout [UInt64]) -> Void) -> ([UInt8]) -> [UInt8] {
        { record in
            var words: [UInt64] = []
            record.withUnsafeBytes { raw in
                var at = 0
                while let word = Varint.get(raw, &at) { words.append(word) }
            }
            change(&words)
            var out: [UInt8] = []
            for word in words { Varint.put(word, &out) }
            return out
        }
    }

    static func expectRefused(_ state: MemoryStateChunks, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for use in [Analysis.StateUse.everything, .reports] {
            let analysis = Analysis(configuration: configuration(), rejects: RejectCollector())
            #expect(throws: StateFormatError.self, "\(what), restored for \(use)", sourceLocation: sourceLocation) {
                try analysis.restore(from: state, for: use)
            }
        }
    }

    @Test func theUntouchedStateIsRead() throws {
        let analysis = Analysis(configuration: Self.configuration(), rejects: RejectCollector())
        try analysis.restore(from: try Self.rewritten(try Self.saved(), Analysis.Stream.sessions) { $0 }, for: .reports)
        #expect(analysis.reports().daily.map(\.events) == [3])
    }

    @Test func aSessionRecordWhoseTextsRunPastItsEnd() throws {
        Self.expectRefused(try Self.rewritten(try Self.saved(), Analysis.Stream.sessions) { Array($0.dropLast()) }, "a text cut short")
        Self.expectRefused(try Self.rewritten(try Self.saved(), Analysis.Stream.sessions) { $0 + [0] }, "a byte after the texts")
    }

    @Test func aSessionRecordWithABadEscapeInItsUser() throws {
        // 0x01 escapes only 0x01 and 0x02 (for 0x00 and 0x01); 0x01 0x00 would decode to -1.
        let state = try Self.rewritten(try Self.saved(), Analysis.Stream.sessions) { [0x01, 0x00] + $0 }
        Self.expectRefused(state, "an escape of 0x00")
    }

    @Test func countsOfAProfileTheStateDoesNotHold() throws {
        Self.expectRefused(try Self.rewritten(try Self.saved(), Analysis.Stream.counters, Self.words { $0[1] = 7 }), "counters")
        Self.expectRefused(try Self.rewritten(try Self.saved(), Analysis.Stream.activity, Self.words { $0[2] = 7 }), "activity")
    }

    /// The restore's two threads: the one that fails stops the other at its next chunk
    /// (`StopSignal`), and the error thrown is the failure, never the other's
    /// cancellation, whichever thread fails and however the two overlap (which depends on
    /// the machine: the choice itself is tested below, without threads).
    @Test func theFailureNotTheOtherThreadsCancellationIsThrown() throws {
        // The counters, the second thread's first stream, beside ~1 MB of fingerprints.
        let state = try Self.rewritten(try Self.saved(filler: 20_000), Analysis.Stream.counters, Self.words { $0[1] = 7 })
        Self.expectRefused(state, "counters, beside 20,000 fingerprints")
        // The activity, the first thread's after the fingerprints, beside 20,000 session events.
        let activity = try Self.rewritten(try Self.saved(filler: 20_000), Analysis.Stream.activity, Self.words { $0[2] = 7 })
        Self.expectRefused(activity, "activity, beside 20,000 session events")
    }

    @Test func theErrorReportedIsAFailureNotACancellation() throws {
        let parts = TwoParts([{}, {}])
        parts.set(0, CancellationError())
        #expect(parts.firstError is CancellationError)  // all there is
        parts.set(1, StateFormatError("the second part's"))
        #expect((parts.firstError as? StateFormatError)?.description.contains("the second part's") == true)
        parts.set(0, StateFormatError("the first part's"))
        #expect((parts.firstError as? StateFormatError)?.description.contains("the first part's") == true)
    }

    @Test(arguments: [Analysis.Stream.fingerprints, Analysis.Stream.fingerprints(bucket: 6)])
    func aFingerprintOfAProfileTheStateDoesNotHold(in stream: String) throws {
        // In the version-1 stream, and in the bucket of the fingerprints' day (2026-11-01).
        let state = try Self.rewritten(try Self.saved(), Analysis.Stream.fingerprints, into: stream) { record in
            var record = record
            record[20] = 7  // the profile id, little-endian
            return record
        }
        for use in [Analysis.StateUse.everything, .batch] {
            let analysis = Analysis(configuration: Self.configuration(), rejects: RejectCollector())
            let error = #expect(throws: StateFormatError.self, "restored for \(use)") { try analysis.restore(from: state, for: use) }
            #expect(error?.description.contains("names profile 7") == true)
        }
    }

    @Test(arguments: [47, 49, 200])
    func aFingerprintOfAnotherSize(bytes: Int) throws {
        // Walked at the fingerprints' stride (`FixedSizeRecords`): a record of another size is
        // named, read whole or for a batch.
        let state = try Self.rewritten(try Self.saved(), Analysis.Stream.fingerprints, into: Analysis.Stream.fingerprints(bucket: 6)) {
            Array(($0 + [UInt8](repeating: 0, count: 200)).prefix(bytes))
        }
        for use in [Analysis.StateUse.everything, .batch] {
            let analysis = Analysis(configuration: Self.configuration(), rejects: RejectCollector())
            let error = #expect(throws: StateFormatError.self, "restored for \(use)") { try analysis.restore(from: state, for: use) }
            #expect(error?.description.contains("a fingerprint has \(bytes) bytes") == true, "\(error?.description ?? "")")
        }
    }

    @Test func aFingerprintInAnotherDaysBucket() throws {
        // The state's fingerprints are of 2026-11-01 (day 20,758: bucket 6 of 8), moved into bucket 2.
        let state = try Self.rewritten(try Self.saved(), Analysis.Stream.fingerprints, into: Analysis.Stream.fingerprints(bucket: 2)) { $0 }
        for use in [Analysis.StateUse.everything, .batch] {
            let analysis = Analysis(configuration: Self.configuration(), rejects: RejectCollector())
            let error = #expect(throws: StateFormatError.self, "restored for \(use)") { try analysis.restore(from: state, for: use) }
            #expect(error?.description.contains("is in fingerprints.2") == true)
        }
    }

    /// The records of stream `name` in `scope` of `state`.
    static func records(of name: String, in state: MemoryStateChunks, scope: String = "") throws -> [[UInt8]] {
        var records: [[UInt8]] = []
        try StateStreamReader.forEach(state, name: name, scope: scope) { records.append(Array($0)) }
        return records
    }

    /// `state`'s stream `name` in `scope` written again as `records`, chunked as authstats
    /// chunks it, with good checks.
    static func replace(_ name: String, in state: MemoryStateChunks, scope: String = "", with records: [[UInt8]]) throws {
        try state.removeChunks(name: name, scope: scope)
        var writer = try StateStreamWriter(state, name: name, scope: scope)
        for record in records { try writer.add(record) }
        try writer.finish()
    }

    /// `state` restored with its fingerprints and session events read in place (as `authstats
    /// merge` reads a shard's), its duplicates and sessions resolved: what the read noted, if
    /// anything, and the reports.
    static func readInPlace(_ state: MemoryStateChunks) throws -> (failure: String?, daily: [Int], reports: Reports) {
        let failure = StateReadFailure()
        let analysis = Analysis(configuration: configuration(compact: true), rejects: RejectCollector(), spill: MemorySpillStore())
        try analysis.restore(from: state, inPlace: ("shard-3", failure))
        analysis.finishReading()
        let reports = analysis.reports()
        return (failure.reason, reports.daily.map(\.events), reports)
    }

    @Test func streamsReadInPlaceGiveTheRestoresReports() throws {
        // 2,003 fingerprints in the buckets of two days and 2,003 session events, read in
        // place; and the same state restored.
        let state = try Self.saved(filler: 2_000, compact: true)
        let runs = try StateStreamRuns.runs(of: state, scope: "", label: "s", profiles: 1, failure: StateReadFailure(), sessions: true)
        #expect(runs.fingerprints?.map(\.count).reduce(0, +) == 2_003 && runs.sessions?.count == 2_003)
        let (failure, daily, reports) = try Self.readInPlace(state)
        #expect(failure == nil)
        let restored = Analysis(configuration: Self.configuration(compact: true), rejects: RejectCollector())
        try restored.restore(from: state)
        restored.finishReading()
        #expect(reports == restored.reports())
        #expect(daily == [3, 2_000])
    }

    @Test func streamsOverManyChunksReadInPlace() throws {
        // 60,000 page views: three chunks of session events (1 MiB each, 57 bytes an event)
        // and a dozen of fingerprints in one bucket (256 KiB each): read across chunk ends, in
        // blocks of the readers' sizes, equal to the restore.
        let state = try Self.saved(filler: 60_000, compact: true)
        #expect(try state.streamSize(name: Analysis.Stream.sessions, scope: "").chunks >= 3)
        let (failure, _, reports) = try Self.readInPlace(state)
        #expect(failure == nil)
        let restored = Analysis(configuration: Self.configuration(compact: true), rejects: RejectCollector())
        try restored.restore(from: state)
        restored.finishReading()
        #expect(reports == restored.reports())
    }

    @Test func damagedStreamsReadInPlaceAreNamedWhenTheyAreMerged() throws {
        let bucket = Analysis.Stream.fingerprints(bucket: 6)  // 2026-11-01's
        func noted(_ state: MemoryStateChunks) throws -> String {
            try #require(try Self.readInPlace(state).failure, "nothing noted")
        }
        // A profile the state does not hold; a record of another size; a day of another bucket.
        let profile = try noted(try Self.rewritten(try Self.saved(compact: true), Analysis.Stream.fingerprints, into: bucket) { r in
            var r = r
            r[20] = 7
            return r
        })
        #expect(profile.contains("shard-3") && profile.contains("names profile 7"), "\(profile)")
        // (Bytes that are not whole records are not read in place: the restore reads them, and refuses them.)
        let size = #expect(throws: StateFormatError.self) {
            try Self.readInPlace(try Self.rewritten(try Self.saved(compact: true), Analysis.Stream.fingerprints, into: bucket) { $0 + [0] })
        }
        #expect(size?.description.contains("a fingerprint has 49 bytes") == true)
        let moved = try noted(try Self.rewritten(try Self.saved(compact: true), Analysis.Stream.fingerprints, into: Analysis.Stream.fingerprints(bucket: 2)) { $0 })
        #expect(moved.contains("is in fingerprints.2"), "\(moved)")
        // Out of order: the stream's records written in reverse.
        let state = try Self.saved(filler: 100, compact: true)
        try Self.replace(bucket, in: state, with: try Self.records(of: bucket, in: state).reversed())
        let order = try noted(state)
        #expect(order.contains("the fingerprints of \(bucket) are out of order"), "\(order)")
        // A chunk whose bytes changed under its check.
        let flipped = try Self.saved(compact: true)
        var chunk: [UInt8] = []
        _ = try flipped.chunk(name: bucket, scope: "", after: nil, into: &chunk)
        chunk[chunk.count - 3] ^= 1
        try flipped.removeChunks(name: bucket, scope: "")
        try flipped.appendChunk(name: bucket, scope: "", seq: 0, chunk)
        let check = try noted(flipped)
        #expect(check.contains("chunk 1 of \(bucket) fails its checksum"), "\(check)")
        // The session events out of order (a compact one of 57 bytes is always well formed).
        let sessions = Analysis.Stream.sessions
        let unsorted = try Self.saved(filler: 100, compact: true)
        try Self.replace(sessions, in: unsorted, with: try Self.records(of: sessions, in: unsorted).reversed())
        let eventOrder = try noted(unsorted)
        #expect(eventOrder.contains("the session events of sessions are out of order"), "\(eventOrder)")
    }

    @Test func damageAtAChunksEndOrInsideWholeBytesIsNamedInPlace() throws {
        // Two session events swapped across the end of the first chunk: each chunk in order,
        // the stream not (found through the first chunk's last record, kept as it goes).
        let state = try Self.saved(filler: 40_000, compact: true)
        let sessions = Analysis.Stream.sessions
        var events = try Self.records(of: sessions, in: state)
        var first: [UInt8] = []
        _ = try state.chunk(name: sessions, scope: "", after: nil, into: &first)
        let k = (first.count - 8) / (1 + SessionRecord.compactCount)  // events in the first chunk
        #expect(k > 1 && k < events.count - 1)
        events.swapAt(k - 1, k)
        try Self.replace(sessions, in: state, with: events)
        var again: [UInt8] = []
        _ = try state.chunk(name: sessions, scope: "", after: nil, into: &again)
        #expect(again.count == first.count)  // the same chunks, two events moved
        let failure = try #require(try Self.readInPlace(state).failure)
        #expect(failure.contains("the session events of sessions are out of order"), "\(failure)")
        // A fingerprint of 47 bytes and one of 49: whole records' bytes in all, so read in
        // place, and refused there as a restore refuses them.
        var n = 0
        let sizes = try Self.rewritten(try Self.saved(compact: true), Analysis.Stream.fingerprints, into: Analysis.Stream.fingerprints(bucket: 6)) { r in
            n += 1
            return n == 1 ? Array(r.dropLast()) : n == 2 ? r + [0] : r
        }
        let size = try #require(try Self.readInPlace(sizes).failure)
        #expect(size.contains("shard-3") && size.contains("a fingerprint has 47 bytes"), "\(size)")
    }

    @Test func aStateCheckedTheOldWayIsNotReadInPlace() throws {
        // Chunks of serial checks: written before schema version 3, when a build may have
        // written some streams unsorted; the restore reads them (and sorts what must be).
        let state = try Self.saved(filler: 10, compact: true)
        let old = MemoryStateChunks(check: .serial)
        for name in Self.names {
            for scope in try state.scopes(of: name) {
                try Self.replace(name, in: old, scope: scope, with: try Self.records(of: name, in: state, scope: scope))
            }
        }
        let runs = try StateStreamRuns.runs(of: old, scope: "", label: "s", profiles: 1, failure: StateReadFailure(), sessions: true)
        #expect(runs.sessions == nil && runs.fingerprints == nil)
        let (failure, daily, _) = try Self.readInPlace(old)
        #expect(failure == nil && daily == [3, 10])
    }

    @Test func aVersionOneFingerprintStreamIsNotReadInPlace() throws {
        // Its runs mix every day: the restore reads it (and the buckets) as before.
        let state = try Self.rewritten(try Self.saved(filler: 10, compact: true), Analysis.Stream.fingerprints) { $0 }
        #expect(
            try StateStreamRuns.runs(of: state, scope: "", label: "s", profiles: 99, failure: StateReadFailure(), sessions: true)
                .fingerprints == nil)
        let (failure, daily, _) = try Self.readInPlace(state)
        #expect(failure == nil && daily == [3, 10])
    }

    @Test func aRecordLengthPastAnyInteger() throws {
        // A chunk with a good checksum whose first record claims 2^63 bytes.
        var body: [UInt8] = []
        Varint.put(1 << 63, &body)
        body += [1, 2, 3]
        let check = body.withUnsafeBytes { ChunkCheck.current.of($0) }
        let state = MemoryStateChunks()
        try state.appendChunk(name: "x", scope: "", seq: 0, withUnsafeBytes(of: check.littleEndian) { Array($0) } + body)
        let error = #expect(throws: StateFormatError.self) { try StateStreamReader.forEach(state, name: "x", scope: "") { _ in } }
        #expect(error?.description.contains("runs past its chunk") == true)
    }

    @Test func aKindThatIsNone() throws {
        Self.expectRefused(try Self.rewritten(try Self.saved(), Analysis.Stream.kinds, Self.words { $0[2] = 9 }), "kinds")
    }

    @Test func aDayOutsideEveryAcceptedRange() throws {
        let far = UInt64(bitPattern: Int64(Int32.max - 10))
        Self.expectRefused(try Self.rewritten(try Self.saved(), Analysis.Stream.counters, Self.words { $0[0] = far }), "counters")
        Self.expectRefused(try Self.rewritten(try Self.saved(), Analysis.Stream.activity, Self.words { $0[1] = far }), "activity")
        Self.expectRefused(try Self.rewritten(try Self.saved(), Analysis.Stream.kinds, Self.words { $0[1] = far }), "kinds")
    }
}
