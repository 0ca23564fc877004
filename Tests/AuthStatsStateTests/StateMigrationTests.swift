import AuthStatsCore
import AuthStatsTestSupport
import Foundation
import Testing

@testable import AuthStatsState

/// Issue 15: a file at an older schema version is brought up to date through the ordered
/// migrations, all or nothing: today's version-1 step, and a pretended next version with a
/// test-only migration that opens today's files.
@Suite("State database: migrations from an older schema version")
struct StateMigrationTests {
    typealias F = StateFixtures

    static let today = StateSchema.current.version
    static let next = today + 1

    /// Today's schema plus a next version that adds a column, made by `statements`.
    func versionNext(_ statements: [String]) -> StateSchema {
        var schema = StateSchema.current
        schema.version = Self.next
        schema.migrations.append(StateSchema.Migration(version: Self.next, statements: statements))
        return schema
    }

    @Test("a version 1 file (one fingerprint stream) is stamped today's version, its content kept; then too new for version 1")
    func fromVersionOne() throws {
        let folder = F.folder()
        try F.makeState(folder).close()
        let path = F.databasePath(folder)
        try F.sqlite(path, ["PRAGMA user_version=1", "DELETE FROM meta WHERE name IN ('chunk_check', 'content_hash')"])
        let database = try StateDatabase.open(folder: folder, create: false)
        #expect(try database.connection.integer("PRAGMA user_version", "read") == Self.today)
        #expect(database.chunkCheck == .serial)
        #expect(database.contentHash == .fingerprint)
        #expect(try database.batches() == F.batches)
        #expect(try database.ledger().count == F.ledger.count)
        database.close()
        var one = StateSchema.current
        one.version = 1
        one.migrations = []
        #expect(throws: StateError.newerSchema(path: path, found: Self.today, supported: 1)) {
            try StateDatabase.open(folder: folder, create: false, schema: one)
        }
    }

    /// A version-2 file: today's file without the `chunk_check` that version 3 added (nor the
    /// `content_hash` of version 4).
    func versionTwo() throws -> String {
        let folder = F.folder()
        try F.makeState(folder).close()
        try F.sqlite(F.databasePath(folder), ["PRAGMA user_version=2", "DELETE FROM meta WHERE name IN ('chunk_check', 'content_hash')"])
        return folder
    }

    @Test("a version 3 file keeps its ledger's hashes and says so until its ledger is begun again; a rolled-back one changes nothing")
    func fromVersionThree() throws {
        let folder = F.folder()
        try F.makeState(folder).close()
        try F.sqlite(F.databasePath(folder), ["PRAGMA user_version=3", "DELETE FROM meta WHERE name = 'content_hash'"])
        var database = try StateDatabase.open(folder: folder, create: false)
        #expect(try database.connection.integer("PRAGMA user_version", "read") == Self.today)
        #expect(database.contentHash == .fingerprint)
        #expect(database.chunkCheck == .lanes)
        #expect(try database.meta("content_hash") == "fingerprint")
        #expect(try database.ledger().count == F.ledger.count)

        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try database.transaction {
                try database.removeLedger()
                #expect(database.contentHash == .lanes)
                throw Stop()
            }
        }
        #expect(database.contentHash == .fingerprint)
        #expect(try database.meta("content_hash") == "fingerprint")
        #expect(try database.ledger().count == F.ledger.count)

        try database.transaction { try database.removeLedger() }
        database.close()
        database = try StateDatabase.open(folder: folder, create: false)
        #expect(database.contentHash == .lanes)
        #expect(try database.meta("content_hash") == "lanes")
        try database.transaction { try database.adoptContentHash(.fingerprint) }
        #expect(try database.meta("content_hash") == "fingerprint")
        database.close()
    }

    @Test("a version 2 file keeps its chunks' serial checks, and says so, until it is written whole; a rolled-back whole write changes nothing")
    func fromVersionTwo() throws {
        let folder = try versionTwo()
        var database = try StateDatabase.open(folder: folder, create: false)
        #expect(try database.connection.integer("PRAGMA user_version", "read") == Self.today)
        #expect(database.chunkCheck == .serial)
        #expect(try database.meta("chunk_check") == "serial")
        #expect(try database.concurrentReader()?.chunkCheck == .serial)

        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try database.transaction {
                try database.removeAllChunks()
                #expect(database.chunkCheck == .lanes)
                throw Stop()
            }
        }
        #expect(database.chunkCheck == .serial)
        #expect(try database.meta("chunk_check") == "serial")
        #expect(try database.nextSeq(name: "events", scope: "2026-01-02") == 3)

        try database.transaction { try database.removeAllChunks() }
        #expect(database.chunkCheck == .lanes)
        database.close()
        database = try StateDatabase.open(folder: folder, create: false)
        #expect(database.chunkCheck == .lanes)
        #expect(try database.meta("chunk_check") == "lanes")
        database.close()
    }

    @Test("a file of today's version opened by the next version's build is migrated, keeps its content, and is then too new for today's")
    func migrated() throws {
        let folder = F.folder()
        try F.makeState(folder).close()
        let schema = versionNext(["ALTER TABLE batches ADD COLUMN note TEXT NOT NULL DEFAULT ''"])
        let database = try StateDatabase.open(folder: folder, create: false, schema: schema)
        #expect(try database.connection.integer("PRAGMA user_version", "read") == Self.next)
        #expect(try database.connection.text("SELECT note FROM batches WHERE number = 1") == "")
        #expect(try database.batches() == F.batches)
        #expect(try database.ledger().count == F.ledger.count)
        database.close()

        // Opened again by the same build: nothing to do.
        try StateDatabase.open(folder: folder, create: false, schema: schema).close()
        #expect(
            throws: StateError.newerSchema(path: F.databasePath(folder), found: Self.next, supported: Self.today)
        ) { try StateDatabase.open(folder: folder, create: false) }
    }

    @Test("a migration that fails leaves the file at its old version, unchanged")
    func failedMigration() throws {
        let folder = F.folder()
        try F.makeState(folder).close()
        let path = F.databasePath(folder)
        let before = try F.bytes(path)
        let schema = versionNext(["ALTER TABLE batches ADD COLUMN note TEXT", "ALTER TABLE nowhere ADD COLUMN x"])
        let error = #expect(throws: StateError.self) {
            try StateDatabase.open(folder: folder, create: false, schema: schema)
        }
        #expect(
            error?.description == "Unable to upgrade to schema version \(Self.next) \(path): no such table: nowhere")
        #expect(try F.bytes(path) == before)
        let database = try StateDatabase.open(folder: folder, create: false)
        defer { database.close() }
        #expect(try database.batches() == F.batches)
    }

    @Test("the steps from a version must be contiguous", arguments: [
        (0, [Int]?.none), (1, [2, 3]), (2, [3]), (3, []),
    ] as [(Int, [Int]?)])
    func steps(found: Int, expected: [Int]?) {
        var schema = StateSchema.current  // (its own steps replaced)
        schema.version = 3
        schema.migrations = [.init(version: 3, statements: []), .init(version: 2, statements: [])]
        #expect(schema.migrations(from: found)?.map(\.version) == expected)
    }
}
