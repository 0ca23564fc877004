import AuthStatsTestSupport
import Foundation

@testable import AuthStatsState

/// Folders, files and sample rows shared by the state tests.
enum StateFixtures {
    /// A new empty folder for one test.
    static func folder() -> String { CLI.temporaryFolder("state").path }

    /// DIR/authstats.sqlite.
    static func databasePath(_ folder: String) -> String {
        (folder as NSString).appendingPathComponent(StateDatabase.fileName)
    }

    static func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    static func write(_ bytes: Data, to path: String) throws { try bytes.write(to: URL(fileURLWithPath: path)) }

    /// What is in `folder`, by name.
    static func names(_ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    }

    /// Runs `statements` on a plain SQLite connection to `path` (created if missing), as another
    /// program would: no ownership check, no schema.
    static func sqlite(_ path: String, _ statements: [String]) throws {
        let connection = try Connection(path: path, create: true)
        defer { connection.close() }
        for statement in statements { try connection.execute(statement, "run") }
    }

    /// `count` bytes that differ from chunk to chunk (`tag`) and along the chunk.
    static func chunk(_ tag: Int, count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ tag &* 7 &+ $0 >> 9) }
    }

    static let ledger = [
        LedgerEntry(
            contentHash: "c0ffee", path: "/logs/b.gz", size: 10, modified: 1_700_000_000_123, batch: 2, records: 5,
            events: 4, firstDay: "2026-01-01", lastDay: "2026-01-02", status: "read"),
        LedgerEntry(
            contentHash: "0badf00d", path: "/logs/a.gz", size: 20, modified: 1_700_000_000_456, batch: 1, records: 7,
            events: 7, firstDay: "2026-01-01", lastDay: "2026-01-01", status: "read"),
        LedgerEntry(
            contentHash: "deadbeef", path: "/logs/b.gz", size: 30, modified: 1_700_000_000_789, batch: 1, records: 0,
            events: 0, firstDay: nil, lastDay: nil, status: "empty"),
        LedgerEntry(
            contentHash: "abc123", path: "/logs/Z.gz", size: 0, modified: 0, batch: 2, records: 1, events: 1,
            firstDay: "2026-01-03", lastDay: "2026-01-03", status: "damaged: truncated"),
    ]

    static let batches = [
        BatchEntry(
            number: 1, started: "2026-01-02T01:00:00Z", finished: "2026-01-02T01:05:00Z", version: "1.0",
            arguments: "report /logs"),
        BatchEntry(
            number: 2, started: "2026-01-03T01:00:00Z", finished: "", version: "1.1",
            arguments: "report /logs --by-project"),
    ]

    /// A state in `folder` with a value, 3 MB of chunks, the ledger and the batches above.
    @discardableResult
    static func makeState(_ folder: String) throws -> StateDatabase {
        let database = try StateDatabase.open(folder: folder, create: true)
        try database.transaction {
            try database.setMeta("created", "2026-01-02")
            // Appended out of order: read back by seq.
            for seq in [2, 0, 1] {
                try database.appendChunk(name: "events", scope: "2026-01-02", seq: seq, chunk(seq, count: 1_000_000))
            }
            for scope in ["é", "b", "Z", "a"] {
                try database.appendChunk(name: "users", scope: scope, seq: 0, Array(scope.utf8))
            }
            for entry in ledger { try database.addLedgerEntry(entry) }
            for batch in batches { try database.addBatch(batch) }
        }
        return database
    }
}
