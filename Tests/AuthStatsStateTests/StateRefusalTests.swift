import AuthStatsTestSupport
import Foundation
import Testing

@testable import AuthStatsState

/// Issue 15: a file that is not ours, or ours but broken or too new, is refused with an error
/// naming it, and left byte for byte as it was (no journal made beside it either).
@Suite("State database: foreign, damaged and newer files refused and left unchanged")
struct StateRefusalTests {
    typealias F = StateFixtures

    /// Opens `folder` (with `create`, the more dangerous) and returns the error, checking that
    /// the folder's files are exactly as before.
    func refusal(_ folder: String, create: Bool = true) throws -> StateError? {
        let path = F.databasePath(folder)
        let before = try F.bytes(path)
        let names = try F.names(folder)
        let error = #expect(throws: StateError.self) { try StateDatabase.open(folder: folder, create: create) }
        #expect(try F.bytes(path) == before)
        #expect(try F.names(folder) == names)
        return error
    }

    /// A new state in a new folder, then `statements` run on its file with the `sqlite3` tool.
    func altered(_ statements: [String]) throws -> (folder: String, path: String) {
        let folder = F.folder()
        try F.makeState(folder).close()
        let path = F.databasePath(folder)
        try F.sqlite(path, statements)
        return (folder, path)
    }

    /// Writes 0xA5 over pages `pages` (1 is the header's page) of a new state in `folder`, and
    /// returns the file's bytes as written then.
    @discardableResult
    func garbled(_ folder: String, pages: ClosedRange<Int>) throws -> Data {
        try F.makeState(folder).close()
        let path = F.databasePath(folder)
        var bytes = try F.bytes(path)
        let page = try #require(StateFileHeader(Array(bytes.prefix(StateFileHeader.size)))?.pageSize)
        try #require(bytes.count >= pages.upperBound * page)
        bytes.replaceSubrange((pages.lowerBound - 1) * page..<pages.upperBound * page, with: [UInt8](repeating: 0xA5, count: pages.count * page))
        try F.write(bytes, to: path)
        return bytes
    }

    @Test(
        "not ours: another program's SQLite database, an empty one of nobody's, a text file, a bare header",
        arguments: ["foreign", "unstamped", "text", "header only"])
    func notOurs(kind: String) throws {
        let folder = F.folder()
        let path = F.databasePath(folder)
        switch kind {
        case "foreign":
            try F.sqlite(path, [
                "PRAGMA application_id=1234", "CREATE TABLE notes(body TEXT)", "INSERT INTO notes VALUES ('mine')",
            ])
        case "unstamped":
            // No application id, user_version 0, no tables left: still somebody's SQLite file.
            try F.sqlite(path, ["CREATE TABLE t(x)", "DROP TABLE t"])
            #expect(try F.bytes(path).count > 0)
        case "text":
            try F.write(Data("user,count\nalice,3\n".utf8), to: path)
        default:
            try F.write(Data("SQLite format 3\0".utf8), to: path)
        }
        let error = try refusal(folder)
        #expect(error == .notAuthstats(path: path))
        #expect(
            error?.description
                == "Unable to open \(path): not an authstats state (another program's SQLite database, or not SQLite); "
                + "it was left as it is, choose another state folder or move it away")
        #expect(try refusal(folder, create: false) == .notAuthstats(path: path))
    }

    @Test("a folder named authstats.sqlite is not ours")
    func folderInTheWay() throws {
        let folder = F.folder()
        try FileManager.default.createDirectory(atPath: F.databasePath(folder), withIntermediateDirectories: false)
        #expect(throws: StateError.notAuthstats(path: F.databasePath(folder))) {
            try StateDatabase.open(folder: folder, create: true)
        }
        #expect(!StateDatabase.exists(folder: folder))
    }

    @Test("ours, truncated in the middle: damaged, found at open (the header's page count)")
    func truncated() throws {
        let folder = F.folder()
        try F.makeState(folder).close()
        let path = F.databasePath(folder)
        let whole = try F.bytes(path)
        try F.write(whole.prefix(whole.count / 2), to: path)
        let error = try refusal(folder)
        #expect(
            error == .damaged(path: path, reason: "truncated: \(whole.count / 2) bytes, its header says \(whole.count)"))
        #expect(
            error?.description
                == "Unable to use \(path): the state is damaged (truncated: \(whole.count / 2) bytes, its header says "
                + "\(whole.count)); restore a backup, or remove the file to start again from the inputs")
    }

    @Test("ours, with garbage over pages after the first: opens, and quickCheck finds it damaged")
    func garbage() throws {
        let folder = F.folder()
        let path = F.databasePath(folder)
        // Pages 3 to 6: the roots of tables and indexes (chunks and its index, the ledger and
        // its index). Page 2, meta's, is read by open (the chunks' check), which would refuse
        // the file itself: below.
        var bytes = try garbled(folder, pages: 3...6)

        let database = try StateDatabase.open(folder: folder, create: false)
        let error = #expect(throws: StateError.self) { try database.quickCheck() }
        database.close()
        guard case .damaged(path, let reason)? = error else {
            Issue.record("expected .damaged, got \(String(describing: error))")
            return
        }
        // SQLite's words: "Page 6: btreeInitPage() returns error code 11" with 3.40.
        #expect(reason.hasPrefix("quick_check: Page "))
        #expect(!reason.contains("\n"))
        #expect(try F.bytes(path) == bytes)
        #expect(try F.names(folder) == [StateDatabase.fileName])

        // Meta's page too: refused as it is opened, and left as it was.
        let other = F.folder()
        bytes = try garbled(other, pages: 2...6)
        let otherPath = F.databasePath(other)
        #expect(try refusal(other) == .damaged(path: otherPath, reason: "read a value from: database disk image is malformed"))
        #expect(try F.bytes(otherPath) == bytes)
    }

    @Test("ours, with garbage over pages: reading a broken table throws damaged, with SQLite's message")
    func garbageRead() throws {
        let folder = F.folder()
        let path = F.databasePath(folder)
        try garbled(folder, pages: 3...6)
        let database = try StateDatabase.open(folder: folder, create: false)
        defer { database.close() }
        // The inputs table's root is among the pages overwritten.
        let error = #expect(throws: StateError.self) { try database.ledger() }
        guard case .damaged(path, "read the ledger of: database disk image is malformed")? = error else {
            Issue.record("expected .damaged, got \(String(describing: error))")
            return
        }
    }

    @Test("a stream with a chunk missing (a copy of the file taken while it was written) is damaged, read whole or a chunk at a time")
    func missingChunk() throws {
        let folder = F.folder()
        try F.makeState(folder)
        let path = folder + "/" + StateDatabase.fileName
        try F.sqlite(path, ["DELETE FROM chunks WHERE name = 'events' AND seq = 1"])
        let database = try StateDatabase.open(folder: folder, create: false)
        let expected = StateError.damaged(path: path, reason: "chunk 2 of events is missing (the next is chunk 3; chunks are counted from 1, the chunks table's seq from 0)")
        #expect(throws: expected) { try database.forEachChunk(name: "events", scope: "2026-01-02") { _ in } }
        #expect(throws: expected) { try database.forEachChunkBytes(name: "events", scope: "2026-01-02") { _ in } }
        var buffer: [UInt8] = []
        #expect(try database.chunk(name: "events", scope: "2026-01-02", after: nil, into: &buffer) == 0)
        #expect(throws: expected) { try database.chunk(name: "events", scope: "2026-01-02", after: 0, into: &buffer) }
    }

    @Test("a file of today's version that does not say how its chunks are checked, or names a check this build does not know, is damaged")
    func unknownCheck() throws {
        let (folder, path) = try altered(["UPDATE meta SET value = 'crc32' WHERE name = 'chunk_check'"])
        #expect(try refusal(folder, create: false) == .damaged(path: path, reason: "its chunks are checked with \"crc32\", which this authstats does not know"))
        try F.sqlite(path, ["DELETE FROM meta WHERE name = 'chunk_check'"])
        #expect(try refusal(folder, create: false) == .damaged(path: path, reason: "it does not say how its chunks are checked (meta chunk_check)"))
    }

    @Test("a file of today's version that does not say how its inputs are hashed, or names a hash this build does not know, is damaged")
    func unknownContentHash() throws {
        let (folder, path) = try altered(["UPDATE meta SET value = 'sha1' WHERE name = 'content_hash'"])
        #expect(try refusal(folder, create: false) == .damaged(path: path, reason: "its inputs are hashed with \"sha1\", which this authstats does not know"))
        try F.sqlite(path, ["DELETE FROM meta WHERE name = 'content_hash'"])
        #expect(try refusal(folder, create: false) == .damaged(path: path, reason: "it does not say how its inputs are hashed (meta content_hash)"))
    }

    @Test("a newer schema version is refused, naming both versions")
    func newer() throws {
        let (folder, path) = try altered(["PRAGMA user_version=7"])
        let error = try refusal(folder)
        #expect(error == .newerSchema(path: path, found: 7, supported: 5))
        #expect(
            error?.description
                == "Unable to open \(path): written by a newer authstats (schema version 7, this one reads up to 5); "
                + "upgrade authstats")
    }

    @Test("ours at schema version 0 with tables: no migration reaches it, so damaged")
    func olderThanAnyMigration() throws {
        let (folder, path) = try altered(["PRAGMA user_version=0"])
        #expect(
            try refusal(folder)
                == .damaged(path: path, reason: "schema version 0, older than any this authstats can upgrade"))
    }

    @Test("ours with a table missing: damaged")
    func tableMissing() throws {
        let (folder, path) = try altered(["DROP TABLE batches"])
        #expect(try refusal(folder) == .damaged(path: path, reason: "the table batches is missing"))
    }
}
