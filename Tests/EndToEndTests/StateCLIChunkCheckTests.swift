import AuthStatsCore
import AuthStatsState
import AuthStatsTestSupport
import Foundation
import Testing

extension StateCLITests {
    /// A state made before schema version 3 (its chunks checked with `ChunkCheck.serial`),
    /// through the built binary: it is read and appended to as it is, and takes the lanes'
    /// check when it is next written whole (`docs/state.md` "Tables").
    @Suite("End to end: a state of the check before schema version 3, a ledger before version 4 (issue 15)")
    struct OlderCheck {
        typealias S = StateCLI

        /// Makes `state`'s ledger what a build before schema version 4 wrote: each input's hash
        /// of the fingerprint kind (from its file, which must still be there), no `content_hash`
        /// in its meta, `user_version` 3.
        static func makeOlderLedger(_ state: URL) throws {
            let database = try StateDatabase.open(folder: state.path, create: false)
            let ledger = try database.ledger()
            database.close()
            for entry in ledger {
                let hash = try ContentHash.of(path: entry.path, kind: .fingerprint).hash
                try S.sqlite(state, "UPDATE inputs SET content_hash = '\(hash)' WHERE content_hash = '\(entry.contentHash)'")
            }
            try S.sqlite(state, "DELETE FROM meta WHERE name = 'content_hash'")
            try S.sqlite(state, "PRAGMA user_version=3")
        }

        /// Makes `state` what a version-2 build wrote: every chunk's check the serial hash,
        /// no `chunk_check` in its meta, its ledger as `makeOlderLedger` makes it,
        /// `user_version` 2. Chunks keep their `seq`s.
        static func makeSerial(_ state: URL) throws {
            let database = try StateDatabase.open(folder: state.path, create: false)
            var chunks: [(name: String, scope: String, seq: Int, bytes: [UInt8])] = []
            for name in try database.chunkBytes().keys.sorted() {
                for scope in try database.scopes(of: name) {
                    var buffer: [UInt8] = []
                    var at: Int?
                    while let seq = try database.chunk(name: name, scope: scope, after: at, into: &buffer) {
                        chunks.append((name, scope, seq, buffer))
                        at = seq
                    }
                }
            }
            try database.transaction {
                try database.removeAllChunks()
                for chunk in chunks {
                    let records = Array(chunk.bytes[8...])
                    let check = records.withUnsafeBytes { ChunkCheck.serial.of($0) }
                    try database.appendChunk(name: chunk.name, scope: chunk.scope, seq: chunk.seq, withUnsafeBytes(of: check.littleEndian) { Array($0) } + records)
                }
            }
            database.close()
            try makeOlderLedger(state)
            try S.sqlite(state, "DELETE FROM meta WHERE name = 'chunk_check'")
            try S.sqlite(state, "PRAGMA user_version=2")
        }

        /// The generated data in three batches, a state of the first two as this build writes
        /// it (`lanes`), and a copy of it that `made` turns into an older build's (`older`).
        static func twoStates(
            _ name: String, older: String, made: (URL) throws -> Void
        ) throws -> (data: StateCLI.DataSet, batches: [[String]], folder: URL, lanes: URL, older: URL) {
            let data = try S.data()
            let batches = S.split(data.files, into: 3)
            let folder = CLI.temporaryFolder(name)
            let lanes = folder.appendingPathComponent("lanes")
            try S.runBatches(Array(batches[0..<2]), state: lanes, out: folder.appendingPathComponent("before"))
            let copy = folder.appendingPathComponent(older)
            try FileManager.default.copyItem(at: lanes, to: copy)
            try made(copy)
            return (data, batches, folder, lanes, copy)
        }

        /// Whether every chunk of `state` holds `check`'s value of the rest.
        static func allChecked(_ state: URL, by check: ChunkCheck) throws -> Bool {
            try S.streams(state).values.joined().allSatisfy { chunk in
                let records = Array(chunk[8...])
                return chunk.prefix(8).elementsEqual(withUnsafeBytes(of: records.withUnsafeBytes { check.of($0) }.littleEndian) { Array($0) })
            }
        }

        @Test("a night on it equals the night on the state as this build writes it, and it stays serial; a --rebuild makes it lanes, the reports the same")
        func olderState() throws {
            let (data, batches, folder, lanes, serial) = try Self.twoStates("state-check", older: "serial", made: Self.makeSerial)
            #expect(try Self.allChecked(serial, by: .serial))

            let expected = folder.appendingPathComponent("expected")
            let night = folder.appendingPathComponent("night")
            for (state, out) in [(lanes, expected), (serial, night)] {
                let result = try S.report(batches[2], state: state, out: out)
                #expect(result.status == 0, "\(result.stderr)")
            }
            try S.expectSame(expected, night, "a night on the older state")
            let info = try S.info(serial)
            #expect(S.number(info, "schema_version") == 5)
            #expect(info["chunk_check"] as? String == "serial")
            #expect(info["content_hash"] as? String == "fingerprint")
            #expect(try Self.allChecked(serial, by: .serial))
            #expect(try Self.allChecked(lanes, by: .lanes))

            let rebuilt = folder.appendingPathComponent("rebuilt")
            let result = try S.report(data.files, state: serial, out: rebuilt, S.reportOptions + ["--rebuild"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(try S.info(serial)["chunk_check"] as? String == "lanes")
            #expect(try S.info(serial)["content_hash"] as? String == "lanes")
            try Self.expectLedger(serial, hashedBy: .lanes)
            #expect(try Self.allChecked(serial, by: .lanes))
            try S.expectSame(try S.single(data.files), rebuilt, "the older state rebuilt")
        }

        /// Schema version 4: a ledger begun before it keeps its hashes, and every input this
        /// build adds to it is hashed the same way, so renamed copies and changed files are
        /// still recognised; states whose ledgers hash differently are not merged.
        @Test("an older ledger: a night hashes as it does (a renamed copy skipped), a merge with a newer ledger is refused, a merge into a new state keeps its kind, --rebuild moves it on")
        func olderLedger() throws {
            let (data, batches, folder, lanes, older) = try Self.twoStates("state-ledger-kind", older: "older", made: Self.makeOlderLedger)

            // The third batch, with a renamed copy of a file of the first.
            let copy = folder.appendingPathComponent("renamed-" + (batches[0][0] as NSString).lastPathComponent).path
            try FileManager.default.copyItem(atPath: batches[0][0], toPath: copy)
            let expected = folder.appendingPathComponent("expected")
            let night = folder.appendingPathComponent("night")
            for (state, out) in [(lanes, expected), (older, night)] {
                let result = try S.report(batches[2] + [copy], state: state, out: out)
                #expect(result.status == 0, "\(result.stderr)")
                #expect(result.stderr.contains("\(copy) (the same bytes as \(batches[0][0]), read in batch 1)"), "\(result.stderr)")
            }
            try S.expectSame(expected, night, "a night on the older ledger")
            #expect(try S.info(older)["content_hash"] as? String == "fingerprint")
            #expect(try S.info(lanes)["content_hash"] as? String == "lanes")
            try Self.expectLedger(older, hashedBy: .fingerprint)

            // Merged with a state of the other kind: refused before anything is made.
            let both = folder.appendingPathComponent("both")
            let refused = try CLI.run(["state", "merge", "--into", both.path, older.path, lanes.path])
            #expect(refused.status == 1, "\(refused.stderr)")
            #expect(refused.stderr.contains("\(older.path) names its inputs by an older authstats's (fingerprint) content hash and \(lanes.path) by this authstats's (lanes)"), "\(refused.stderr)")
            #expect(!FileManager.default.fileExists(atPath: both.path))
            // Into a new state: it takes the ledger's kind with its hashes.
            let merged = try CLI.run(["state", "merge", "--into", both.path, older.path])
            #expect(merged.status == 0, "\(merged.stderr)")
            #expect(try S.info(both)["content_hash"] as? String == "fingerprint")
            // And into a state of the other kind that holds inputs: refused, the target as it was;
            // `authstats merge` of the two kinds too.
            let before = try S.bytes(S.databasePath(lanes))
            let into = try CLI.run(["state", "merge", "--into", lanes.path, both.path])
            #expect(into.status == 1 && into.stderr.contains("names its inputs by this authstats's (lanes) content hash"), "\(into.stderr)")
            #expect(try S.bytes(S.databasePath(lanes)) == before)
            // A target of the other kind with ledger rows but no event (its inputs' records all
            // skipped): refused as well, its rows would keep the other kind.
            let eventless = folder.appendingPathComponent("eventless")
            let skipped = try S.gzip(
                [#"{"Records":[{"eventVersion":"1.08","eventSource":"ec2.amazonaws.com","eventName":"RunInstances","eventTime":"2026-11-12T10:00:00Z"}]}"#],
                folder, "other-service.json.gz")
            let first = try S.report([skipped], state: eventless, out: folder.appendingPathComponent("eventless-out"))
            #expect(first.status == 0, "\(first.stderr)")
            try Self.makeOlderLedger(eventless)
            #expect(S.number(try S.info(eventless), "inputs") == 1)
            let intoEventless = try CLI.run(["state", "merge", "--into", eventless.path, lanes.path])
            #expect(intoEventless.status == 1 && intoEventless.stderr.contains("names its inputs by an older authstats's (fingerprint) content hash"), "\(intoEventless.stderr)")
            // A state whose ledger is empty (its one input could not be read) holds nothing to
            // clash with: merged into the older ledger's kind, it keeps that kind; beside the
            // older state, a refusal names the state whose ledger has the kind.
            let corrupt = folder.appendingPathComponent("corrupt.json.gz").path
            try Data([0x1F, 0x8B, 0x08, 0x00] + Array("not deflate".utf8)).write(to: URL(fileURLWithPath: corrupt))
            let empty = folder.appendingPathComponent("empty")
            #expect(try S.report([corrupt], state: empty, out: folder.appendingPathComponent("empty-out")).status == 1)
            #expect(S.number(try S.info(empty), "inputs") == 0)
            let intoOlder = try CLI.run(["state", "merge", "--into", both.path, empty.path])
            #expect(intoOlder.status == 0, "\(intoOlder.stderr)")
            #expect(try S.info(both)["content_hash"] as? String == "fingerprint")
            let named = try CLI.run(["state", "merge", "--into", lanes.path, empty.path, older.path])
            #expect(named.status == 1 && named.stderr.contains("\(lanes.path) names its inputs by this authstats's (lanes) content hash and \(older.path) by an older authstats's (fingerprint)"), "\(named.stderr)")
            #expect(try S.bytes(S.databasePath(lanes)) == before)
            let reports = folder.appendingPathComponent("merged-reports")
            let oneStep = try CLI.run(["merge", older.path, lanes.path, "--out", reports.path])
            #expect(oneStep.status == 1 && oneStep.stderr.contains("names its inputs by an older authstats's (fingerprint) content hash"), "\(oneStep.stderr)")

            // A file at a path the older ledger knows, changed: still refused.
            let changing = try S.gzip([LateData.line("_userauth.sign_in", "2026-11-12T10:00:00.000Z", "kind-a")], folder, "changing.json.gz")
            #expect(try S.report([changing], state: older, out: night).status == 0)
            try S.gzip([LateData.line("_userauth.sign_in", "2026-11-12T11:00:00.000Z", "kind-b")], folder, "changing.json.gz")
            let changed = try S.report([changing], state: older, out: night)
            #expect(changed.status == 1 && changed.stderr.contains("\(changing) changed since batch"), "\(changed.stderr)")

            let rebuilt = folder.appendingPathComponent("rebuilt")
            let result = try S.report(data.files, state: older, out: rebuilt, S.reportOptions + ["--rebuild"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(try S.info(older)["content_hash"] as? String == "lanes")
            try Self.expectLedger(older, hashedBy: .lanes)
            try S.expectSame(try S.single(data.files), rebuilt, "the older ledger rebuilt")
        }

        /// Every ledger row of `state` holds its file's hash of `kind`.
        static func expectLedger(_ state: URL, hashedBy kind: ContentHashKind, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let database = try StateDatabase.open(folder: state.path, create: false)
            defer { database.close() }
            let ledger = try database.ledger()
            #expect(!ledger.isEmpty, sourceLocation: sourceLocation)
            for entry in ledger {
                #expect(entry.contentHash == (try ContentHash.of(path: entry.path, kind: kind).hash), "\(entry.path)", sourceLocation: sourceLocation)
            }
        }
    }
}
