import AuthStatsCore
import AuthStatsState
import AuthStatsTestSupport
import Foundation
import Testing

extension StateCLITests {
    /// A state made before schema version 3 (its chunks checked with `ChunkCheck.serial`),
    /// through the built binary: it is read and appended to as it is, and takes the lanes'
    /// check when it is next written whole (`docs/state.md` "Tables").
    @Suite("End to end: a state of the check before schema version 3 (issue 15)")
    struct OlderCheck {
        typealias S = StateCLI

        /// Makes `state` what a version-2 build wrote: every chunk's check the serial hash,
        /// no `chunk_check` in its meta, `user_version` 2. Chunks keep their `seq`s.
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
            try S.sqlite(state, "DELETE FROM meta WHERE name = 'chunk_check'")
            try S.sqlite(state, "PRAGMA user_version=2")
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
            let data = try S.data()
            let batches = S.split(data.files, into: 3)
            let folder = CLI.temporaryFolder("state-check")
            let lanes = folder.appendingPathComponent("lanes")
            try S.runBatches(Array(batches[0..<2]), state: lanes, out: folder.appendingPathComponent("before"))
            let serial = folder.appendingPathComponent("serial")
            try FileManager.default.copyItem(at: lanes, to: serial)
            try Self.makeSerial(serial)
            #expect(try Self.allChecked(serial, by: .serial))

            let expected = folder.appendingPathComponent("expected")
            let night = folder.appendingPathComponent("night")
            for (state, out) in [(lanes, expected), (serial, night)] {
                let result = try S.report(batches[2], state: state, out: out)
                #expect(result.status == 0, "\(result.stderr)")
            }
            try S.expectSame(expected, night, "a night on the older state")
            let info = try S.info(serial)
            #expect(S.number(info, "schema_version") == 3)
            #expect(info["chunk_check"] as? String == "serial")
            #expect(try Self.allChecked(serial, by: .serial))
            #expect(try Self.allChecked(lanes, by: .lanes))

            let rebuilt = folder.appendingPathComponent("rebuilt")
            let result = try S.report(data.files, state: serial, out: rebuilt, S.reportOptions + ["--rebuild"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(try S.info(serial)["chunk_check"] as? String == "lanes")
            #expect(try Self.allChecked(serial, by: .lanes))
            try S.expectSame(try S.single(data.files), rebuilt, "the older state rebuilt")
        }
    }
}
