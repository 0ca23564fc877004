import AuthStatsCore
import AuthStatsTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@testable import AuthStatsState

/// Issue 15: the state file keeps what a run stored, reads it back in a fixed order, and keeps
/// nothing of a transaction that failed.
@Suite("State database: create, reopen, transactions, copies")
struct StateDatabaseTests {
    typealias F = StateFixtures

    /// Everything `F.makeState` stored, checked on `database`.
    func expectSampleContent(_ database: StateDatabase) throws {
        #expect(try database.meta("created") == "2026-01-02")
        #expect(try database.meta("absent") == nil)

        var chunks: [[UInt8]] = []
        try database.forEachChunk(name: "events", scope: "2026-01-02") { chunks.append($0) }
        #expect(chunks.count == 3)
        #expect(chunks == [0, 1, 2].map { F.chunk($0, count: 1_000_000) })
        // One at a time (how threads share a state's reading), into one buffer: the same.
        var one: [UInt8] = [9, 9]
        var seqs: [Int] = []
        var copies: [[UInt8]] = []
        while let seq = try database.chunk(name: "events", scope: "2026-01-02", after: seqs.last, into: &one) {
            seqs.append(seq)
            copies.append(one)
        }
        #expect(seqs == [0, 1, 2] && copies == chunks)
        #expect(try database.chunk(name: "events", scope: "absent", after: nil, into: &one) == nil)
        // By UTF-8 bytes: "Z" (0x5A) < "a" < "b" < "é" (0xC3 0xA9).
        #expect(try database.scopes(of: "users") == ["Z", "a", "b", "é"])
        #expect(try database.scopes(of: "events") == ["2026-01-02"])
        #expect(try database.scopes(of: "absent") == [])
        #expect(try database.chunkBytes() == ["events": 3_000_000, "users": 5])

        for entry in F.ledger {
            #expect(try database.ledgerEntry(contentHash: entry.contentHash) == entry)
        }
        #expect(try database.ledgerEntry(contentHash: "absent") == nil)
        #expect(try database.ledgerEntries(path: "/logs/b.gz").map(\.contentHash) == ["deadbeef", "c0ffee"])
        #expect(try database.ledgerEntries(path: "/logs/c.gz") == [])
        // By batch, then path bytes ("/logs/Z.gz" before "/logs/b.gz").
        #expect(try database.ledger().map(\.contentHash) == ["0badf00d", "deadbeef", "abc123", "c0ffee"])

        #expect(try database.batches() == F.batches)
        #expect(try database.lastBatch() == 2)
    }

    @Test("a new state is stamped with our application id and schema version, and is empty")
    func newState() throws {
        let folder = (F.folder() as NSString).appendingPathComponent("nested/state")
        #expect(!StateDatabase.exists(folder: folder))
        let database = try StateDatabase.open(folder: folder, create: true)
        defer { database.close() }
        #expect(StateDatabase.exists(folder: folder))
        #expect(database.path == F.databasePath(folder))
        let linked = F.folder()
        try FileManager.default.createSymbolicLink(atPath: F.databasePath(linked), withDestinationPath: database.path)
        #expect(StateDatabase.exists(folder: linked))
        #expect(try database.connection.integer("PRAGMA application_id", "read") == 0x4154_5354)
        #expect(try database.connection.integer("PRAGMA user_version", "read") == 5)
        #expect(database.chunkCheck == .lanes)
        #expect(try database.meta("chunk_check") == "lanes")
        #expect(database.contentHash == .lanes)
        #expect(try database.meta("content_hash") == "lanes")
        #expect(try database.connection.text("PRAGMA journal_mode") == "delete")
        #expect(try database.connection.integer("PRAGMA synchronous", "read") == 2)  // FULL
        #expect(try database.lastBatch() == 0)
        #expect(try database.ledger() == [])
        #expect(try database.chunkBytes() == [:])
        #expect(try database.fileBytes() > 0)
        try database.quickCheck()
        // 64 KiB pages, in the file's own header (bytes 16-17: 1 stands for 65536), and the
        // connection knows it made the file; one that opens it again did not.
        #expect(try database.connection.integer("PRAGMA page_size", "read") == 65536)
        #expect(try F.bytes(database.path)[16..<18].elementsEqual([0x00, 0x01]))
        #expect(database.created)
        let again = try StateDatabase.open(folder: folder, create: true)
        defer { again.close() }
        #expect(!again.created)
    }

    /// SQLite sizes its cache in pages with the page size it had when the cache was made (4
    /// KiB), and keeps that count at the file's 64 KiB pages unless `cache_size` is set again:
    /// 500 pages, 32 MB, where 2,000 KiB were meant. The bound: 2,000 KiB = 2,048,000 bytes,
    /// 31 pages of 65,536 bytes (2,031,616) and SQLite's header of a few hundred bytes each:
    /// under 2,200,000; without the fix, the 12 MB written stay cached (12.6 MB measured).
    @Test("the page cache stays at 2,000 KiB at 64 KiB pages, writing a new state and reading it again")
    func cacheSize() throws {
        let folder = F.folder()
        let database = try StateDatabase.open(folder: folder, create: true)
        try database.transaction {
            for seq in 0..<12 { try database.appendChunk(name: "big", scope: "", seq: seq, F.chunk(seq, count: 1_000_000)) }
        }
        #expect(database.connection.cacheBytes <= 2_200_000, "\(database.connection.cacheBytes) bytes of cache after writing")
        database.close()
        let again = try StateDatabase.open(folder: folder, create: false)
        defer { again.close() }
        var read = 0
        try again.forEachChunkBytes(name: "big", scope: "") { read += $0.count }
        #expect(read >= 12_000_000)
        #expect(again.connection.cacheBytes <= 2_200_000, "\(again.connection.cacheBytes) bytes of cache after reading")
    }

    #if os(Linux)
    /// A commit's sync waits for every page its transaction wrote; every 8 MiB of chunks the
    /// file's dirty pages are started on their way (`Connection.wrote(bulk:)`) through a
    /// descriptor of its own. Closing a descriptor drops every POSIX lock the process holds on
    /// the file, SQLite's among them: that one is closed only after SQLite closes the file, so
    /// while the connection is open its lock holds, and after the close no descriptor is left.
    /// The lock is seen as the kernel sees it: an open-file-description lock asked for on
    /// SQLite's RESERVED byte conflicts with SQLite's own (classic) lock even in this process.
    @Test("every 8 MiB of chunks starts the file's writeback; SQLite's lock holds, and no descriptor is left after close")
    func writebackStarted() throws {
        func descriptors(of path: String) -> Int {
            let links = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
            return links.filter { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)")) == path }.count
        }
        let folder = F.folder()
        let database = try StateDatabase.open(folder: folder, create: true)
        let path = (database.path as NSString).resolvingSymlinksInPath
        // Closed only after the connection: its closing would drop SQLite's locks too.
        let probe = open(path, O_RDONLY | O_CLOEXEC)
        #expect(probe >= 0)
        // Whether a lock is held on the RESERVED byte (SQLite's PENDING_BYTE 0x40000000, plus 1).
        func reservedHeld() -> Bool {
            var lock = flock()
            lock.l_type = Int16(F_WRLCK)
            lock.l_whence = Int16(SEEK_SET)
            lock.l_start = 0x4000_0001
            lock.l_len = 1
            let ofdGetLock: Int32 = 36  // F_OFD_GETLK
            #expect(fcntl(probe, ofdGetLock, &lock) == 0)
            return lock.l_type != Int16(F_UNLCK)
        }
        let before = descriptors(of: path)
        #expect(!reservedHeld())
        try database.transaction {
            // 7 MiB: not yet; 12 MiB: once (not again until 16 MiB).
            for seq in 0..<7 { try database.appendChunk(name: "big", scope: "", seq: seq, F.chunk(seq, count: 1 << 20)) }
            #expect(database.connection.writebackStarts == 0)
            for seq in 7..<12 { try database.appendChunk(name: "big", scope: "", seq: seq, F.chunk(seq, count: 1 << 20)) }
            #expect(database.connection.writebackStarts == 1)
            #expect(descriptors(of: path) == before + 1)
            #expect(reservedHeld())
        }
        #expect(!reservedHeld())
        #expect(database.connection.writebackStarts == 1)
        database.close()
        #expect(descriptors(of: path) == 1)  // the probe's
        _ = Glibc.close(probe)
    }
    #endif

    /// Debian's SQLite is built with SECURE_DELETE on: every page a delete frees is journaled,
    /// zeroed and written back, which doubled what a state rewritten whole wrote to its file.
    /// With `secure_delete=FAST`, on any build, the freed pages of removed chunks are left as
    /// they were (their bytes still in the file, unwritten) until the next write takes them.
    @Test("removed chunks' pages are freed without being zeroed and written again (secure_delete FAST on every build)")
    func freedPagesNotRewritten() throws {
        let folder = F.folder()
        let database = try StateDatabase.open(folder: folder, create: true)
        defer { database.close() }
        #expect(try database.connection.integer("PRAGMA secure_delete", "read") == 2)  // FAST
        let chunk = F.chunk(5, count: 300_000)
        try database.transaction { try database.appendChunk(name: "big", scope: "", seq: 0, chunk) }
        try database.transaction { try database.removeAllChunks() }
        #expect(try database.chunkBytes() == [:])
        // A stretch from the middle of the chunk, on one of its overflow pages.
        let marker = Array(chunk[150_000..<150_064])
        let file = try F.bytes(database.path)
        #expect(file.count >= 300_000, "the freed pages stay in the file")
        #expect(file.range(of: Data(marker)) != nil, "a freed page was zeroed")
        let again = try StateDatabase.open(folder: folder, create: false)
        defer { again.close() }
        #expect(try again.connection.integer("PRAGMA secure_delete", "read") == 2)
    }

    /// A state written whole again over a file that holds data keeps 16 MiB of its pages in
    /// `rewriting`'s cache until the commit, where the default cache writes nearly all of them
    /// to the file before it (and syncs the journal first whenever such a page was journaled
    /// since the last sync: the syncs themselves are counted with strace in `rewriting`'s
    /// comment). The default cache comes back after the commit and after a rollback, and a
    /// small file keeps it.
    @Test("a rewrite of a file with data writes fewer pages before its commit; the default cache after")
    func rewritingSpillsLess() throws {
        // 24 MiB of chunks: more than the rewrite's 16 MiB cache, so both ways spill.
        let chunks = (0..<24).map { [UInt8](repeating: UInt8($0), count: 1 << 20) }
        let bytes = chunks.count << 20
        let defaultCache = Int64(StateDatabase.cacheKiB)
        func filled() throws -> StateDatabase {
            let database = try StateDatabase.open(folder: F.folder(), create: true)
            try database.transaction {
                for (seq, chunk) in chunks.enumerated() { try database.appendChunk(name: "big", scope: "", seq: seq, chunk) }
            }
            return database
        }
        func remove(_ database: StateDatabase) {
            database.close()
            try? FileManager.default.removeItem(atPath: (database.path as NSString).deletingLastPathComponent)
        }
        func rewrite(_ how: (StateDatabase, () throws -> Void) throws -> Void) throws -> (spills: Int, cache: Int64) {
            let database = try filled()
            defer { remove(database) }
            let before = database.connection.cacheSpills
            var cache: Int64 = 0
            try how(database) {
                cache = try database.connection.integer("PRAGMA cache_size", "read")
                try database.removeAllChunks()
                for (seq, chunk) in chunks.reversed().enumerated() { try database.appendChunk(name: "big", scope: "", seq: seq, chunk) }
            }
            #expect(try database.chunkBytes()["big"] == bytes)
            #expect(try database.connection.integer("PRAGMA cache_size", "read") == defaultCache)
            return (database.connection.cacheSpills - before, cache)
        }
        let plain = try rewrite { database, body in try database.transaction(body) }
        let rewritten = try rewrite { database, body in try database.rewriting(body) }
        #expect(plain.cache == defaultCache)
        #expect(rewritten.cache == Int64(StateDatabase.rewriteCacheKiB))
        #expect(plain.spills > 0)
        // 64 KiB pages: the default cache holds ~31 of them, the rewrite's ~255 (measured: 364
        // pages written before the commit against 153).
        #expect(rewritten.spills + 128 <= plain.spills, "\(rewritten.spills) pages spilled against \(plain.spills)")

        // A body that throws leaves nothing, as `transaction`, and the default cache is back.
        struct Stop: Error {}
        let large = try filled()
        defer { remove(large) }
        #expect(throws: Stop.self) {
            try large.rewriting {
                #expect(try large.connection.integer("PRAGMA cache_size", "read") == Int64(StateDatabase.rewriteCacheKiB))
                try large.removeAllChunks()
                throw Stop()
            }
        }
        #expect(try large.chunkBytes()["big"] == bytes)
        #expect(try large.connection.integer("PRAGMA cache_size", "read") == defaultCache)

        // A small file keeps the default cache.
        let small = try StateDatabase.open(folder: F.folder(), create: true)
        defer { remove(small) }
        try small.transaction { try small.appendChunk(name: "c", scope: "", seq: 0, F.chunk(1, count: 1000)) }
        try small.rewriting {
            #expect(try small.connection.integer("PRAGMA cache_size", "read") == defaultCache)
            try small.setMeta("x", "1")
        }
        #expect(try small.meta("x") == "1")
    }

    @Test("a second, read-only connection reads the same chunks; none while a write is open")
    func concurrentReader() throws {
        let folder = F.folder()
        let database = try StateDatabase.open(folder: folder, create: true)
        defer { database.close() }
        for seq in 0..<3 { try database.appendChunk(name: "c", scope: "s", seq: seq, F.chunk(seq, count: 70_000)) }
        let reader = try #require(try database.concurrentReader())
        var read: [[UInt8]] = []
        try reader.forEachChunkBytes(name: "c", scope: "s") { read.append(Array($0)) }
        #expect(read == (0..<3).map { F.chunk($0, count: 70_000) })
        #expect(throws: StateError.self) { try reader.setMeta("x", "1") }  // read-only
        try database.transaction {
            try database.setMeta("x", "1")
            // What this transaction wrote, another connection would not see.
            #expect(try database.concurrentReader() == nil)
        }
        reader.close()
    }

    @Test("what was stored is there after reopening: values, chunks in seq order, scopes, ledger, batches")
    func createThenReopen() throws {
        let folder = F.folder()
        try F.makeState(folder).close()
        let database = try StateDatabase.open(folder: folder, create: false)
        defer { database.close() }
        try expectSampleContent(database)
        try database.quickCheck()
        // One file to back up: no journal left beside it.
        #expect(try F.names(folder) == [StateDatabase.fileName])
    }

    @Test("setMeta replaces, addLedgerEntry replaces by hash, addBatch replaces by number")
    func replacing() throws {
        let database = try F.makeState(F.folder())
        defer { database.close() }
        try database.setMeta("created", "later")
        #expect(try database.meta("created") == "later")
        var moved = F.ledger[0]
        moved.path = "/elsewhere/b.gz"
        moved.firstDay = nil
        try database.addLedgerEntry(moved)
        #expect(try database.ledgerEntry(contentHash: moved.contentHash) == moved)
        #expect(try database.ledger().count == F.ledger.count)
        var finished = F.batches[1]
        finished.finished = "2026-01-03T01:09:00Z"
        try database.addBatch(finished)
        #expect(try database.batches() == [F.batches[0], finished])
    }

    @Test("appending a chunk twice is refused; removeAllChunks and removeLedger empty their tables only")
    func removing() throws {
        let database = try F.makeState(F.folder())
        defer { database.close() }
        #expect(throws: StateError.self) {
            try database.appendChunk(name: "users", scope: "a", seq: 0, [1])
        }
        try database.appendChunk(name: "empty", scope: "", seq: 0, [])
        var empty: [[UInt8]] = []
        try database.forEachChunk(name: "empty", scope: "") { empty.append($0) }
        #expect(empty == [[]])
        try database.removeAllChunks()
        #expect(try database.chunkBytes() == [:])
        #expect(try database.scopes(of: "users") == [])
        try database.removeLedger()
        #expect(try database.ledger() == [])
        #expect(try database.batches() == F.batches)
        #expect(try database.meta("created") == "2026-01-02")
    }

    @Test("a transaction whose body throws keeps nothing, and its error comes out")
    func rollback() throws {
        struct Stop: Error, Equatable {}
        let folder = F.folder()
        let database = try StateDatabase.open(folder: folder, create: true)
        defer { database.close() }
        #expect(throws: Stop()) {
            try database.transaction {
                try database.setMeta("a", "1")
                try database.appendChunk(name: "events", scope: "d", seq: 0, [1, 2, 3])
                try database.addLedgerEntry(F.ledger[0])
                try database.addBatch(F.batches[0])
                throw Stop()
            }
        }
        #expect(try database.meta("a") == nil)
        #expect(try database.chunkBytes() == [:])
        #expect(try database.ledger() == [])
        #expect(try database.lastBatch() == 0)
        // The next one works, and returns its body's value.
        #expect(try database.transaction { try database.setMeta("a", "2"); return 7 } == 7)
        database.close()
        let reopened = try StateDatabase.open(folder: folder, create: false)
        defer { reopened.close() }
        #expect(try reopened.meta("a") == "2")
    }

    /// A run killed in a transaction: the file and its journal copied at `moment`.
    @Test(
        "a run killed in a transaction: open rolls it back (killed as pages spilled, before the journal went, mid-commit)",
        arguments: ["spilling", "written", "half written"])
    func hotJournal(moment: String) throws {
        let folder = F.folder()
        let database = try F.makeState(folder)
        defer { database.close() }
        let path = F.databasePath(folder)
        let before = try F.bytes(path)
        let sizeBefore = before.count
        var file = Data()
        var journal = Data()
        // A page cache of 1 MB (SQLite's default is 2 MB: 31 of the state's 64 KiB pages), so
        // that the 5 MB below spill into the file while the journal keeps the old pages.
        try database.connection.execute("PRAGMA cache_size=-1000", "set the cache of")
        try database.transaction {
            // More than the page cache: pages spill into the file, the journal keeps the old ones.
            for seq in 0..<5 {
                try database.appendChunk(name: "late", scope: "x", seq: seq, F.chunk(seq, count: 1_000_000))
            }
            try database.setMeta("created", "overwritten")
            if moment != "spilling" { try database.connection.flushCache() }
            file = try F.bytes(path)
            journal = try F.bytes(path + "-journal")
        }
        // The moment the test is for: the file already holds some of the transaction's pages.
        #expect(file != before)
        if moment == "half written" {
            // Killed as the commit wrote the file (the journal complete, synced by the flush): the
            // first pages written, page 1 with the new page count among them, but not the last.
            // Shorter than its header says, which the journal undoes.
            file = try F.bytes(path).prefix(sizeBefore)
        }
        let crashed = F.folder()
        try F.write(file, to: F.databasePath(crashed))
        try F.write(journal, to: F.databasePath(crashed) + "-journal")

        let recovered = try StateDatabase.open(folder: crashed, create: false)
        defer { recovered.close() }
        try expectSampleContent(recovered)
        #expect(try recovered.scopes(of: "late") == [])
        try recovered.quickCheck()
        #expect(try F.names(crashed) == [StateDatabase.fileName])
    }

    @Test("transactions do not nest")
    func notNested() throws {
        let database = try StateDatabase.open(folder: F.folder(), create: true)
        defer { database.close() }
        let error = #expect(throws: StateError.self) {
            try database.transaction { try database.transaction { try database.setMeta("a", "1") } }
        }
        #expect(
            error?.description
                == "Unable to begin a transaction on \(database.path): one is already open (they do not nest)")
        #expect(try database.meta("a") == nil)
    }

    @Test("a read transaction gives its body's value, ends when the body throws, and nests with no transaction")
    func readTransaction() throws {
        struct Stop: Error, Equatable {}
        let database = try StateDatabase.open(folder: F.folder(), create: true)
        defer { database.close() }
        try database.transaction { try database.setMeta("a", "1") }
        #expect(try database.reading { try database.meta("a") } == "1")
        #expect(throws: Stop()) { try database.reading { _ = try database.meta("a"); throw Stop() } }
        // Nothing left open: a write transaction starts, in turn, and a read one after it.
        try database.transaction { try database.setMeta("a", "2") }
        #expect(try database.reading { try database.meta("a") } == "2")
        for nested in [
            { try database.reading { try database.transaction { try database.setMeta("a", "3") } } },
            { try database.transaction { try database.reading { _ = try database.meta("a") } } },
        ] as [() throws -> Void] {
            let error = #expect(throws: StateError.self) { try nested() }
            #expect(error?.description == "Unable to begin a transaction on \(database.path): one is already open (they do not nest)")
        }
        #expect(try database.meta("a") == "2")
    }

    @Test("a second connection cannot write while the first holds a transaction: busy, with no PID")
    func busyBySQLite() throws {
        let folder = F.folder()
        let first = try StateDatabase.open(folder: folder, create: true)
        defer { first.close() }
        let second = try StateDatabase.open(folder: folder, create: false)
        defer { second.close() }
        try first.transaction {
            try first.setMeta("a", "1")
            let error = #expect(throws: StateError.busy(lockPath: first.path, pid: nil)) {
                try second.transaction { try second.setMeta("b", "2") }
            }
            #expect(
                error?.description
                    == "Unable to use \(first.path): another process is using it; run again when it has finished")
        }
        #expect(try second.meta("a") == "1")
    }

    @Test("vacuumInto writes a copy that opens with the same content; not over an existing file")
    func vacuumInto() throws {
        let database = try F.makeState(F.folder())
        defer { database.close() }
        let backup = F.folder()
        try database.vacuumInto(F.databasePath(backup))
        let copy = try StateDatabase.open(folder: backup, create: false)
        defer { copy.close() }
        try expectSampleContent(copy)
        try copy.quickCheck()

        let error = #expect(throws: StateError.self) { try database.vacuumInto(F.databasePath(backup)) }
        #expect(
            error?.description
                == "Unable to copy the state to \(F.databasePath(backup)) from \(database.path): output file already exists")
    }

    @Test("a missing state is not made without create, nor its folder")
    func missingWithoutCreate() throws {
        let folder = (F.folder() as NSString).appendingPathComponent("none")
        let error = #expect(throws: StateError.self) { try StateDatabase.open(folder: folder, create: false) }
        #expect(error?.description == "Unable to open \(F.databasePath(folder)): no state has been saved there")
        #expect(!FileManager.default.fileExists(atPath: folder))
    }

    @Test("a zero-length file is a missing state: made with create, refused without")
    func zeroLength() throws {
        let folder = F.folder()
        try F.write(Data(), to: F.databasePath(folder))
        #expect(!StateDatabase.exists(folder: folder))
        #expect(throws: StateError.self) { try StateDatabase.open(folder: folder, create: false) }
        #expect(try F.bytes(F.databasePath(folder)).isEmpty)
        let database = try StateDatabase.open(folder: folder, create: true)
        defer { database.close() }
        try database.setMeta("a", "1")
        #expect(try database.meta("a") == "1")
    }

    @Test("after close every call throws")
    func closed() throws {
        let database = try StateDatabase.open(folder: F.folder(), create: true)
        database.close()
        database.close()
        let error = #expect(throws: StateError.self) { try database.meta("a") }
        #expect(error?.description == "Unable to read a value from \(database.path): the state is closed")
    }
}

extension Connection {
    /// The first column of the first row of `sql` as text (tests only).
    func text(_ sql: String) throws -> String? {
        var result: String?
        try query(sql, "read") { if result == nil { result = $0.text(0) } }
        return result
    }
}
