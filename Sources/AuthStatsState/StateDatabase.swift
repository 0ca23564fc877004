import AuthStatsCore
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The state's one SQLite file, DIR/authstats.sqlite: what the nightly runs keep between them
/// (bulk data as ordered chunks, the inputs ledger, the batches, a few named values).
///
/// One file, so a backup is one copy: the default rollback journal, not WAL (whose `-wal` file
/// holds committed data until a checkpoint), with `synchronous=FULL` so a commit that returned
/// survives a power cut. The caller holds the folder's `StateLock` while it uses this; SQLite's
/// own locking only turns a second writer into `.busy` instead of a wait.
///
/// Not for use from several threads at once.
public final class StateDatabase {
    public static let fileName = "authstats.sqlite"
    /// "ATST", stamped with `PRAGMA application_id`: how a file is known to be ours.
    public static let applicationID: Int32 = 0x4154_5354
    /// The page size of a new state file, in bytes.
    static let pageSize = 65536
    /// The page cache, as `PRAGMA cache_size` wants it (negative: KiB); SQLite's default.
    static let cacheKiB = -2000

    /// Whether this connection made the file's tables (it was missing, empty, or ours with its
    /// making rolled back): decided while the caller holds the state's lock.
    public private(set) var created = false

    /// `PRAGMA user_version` of the files this build writes.
    public static let schemaVersion = StateSchema.current.version

    /// How the file's chunks are checked (`meta`'s `chunk_check`): `ChunkCheck.current` in a
    /// file made or written whole by this build, `.serial` in one made before schema version 3
    /// until `removeAllChunks` (a whole write) moves it on.
    public internal(set) var chunkCheck = ChunkCheck.current
    static let metaChunkCheck = "chunk_check"

    /// How the inputs ledger hashes the inputs' bytes (`meta`'s `content_hash`): `.current` in
    /// a file made by this build, `.fingerprint` in one made before schema version 4, until its
    /// ledger is begun again (`removeLedger`, `--rebuild`) or taken from the states merged
    /// into it while it has none (`adoptContentHash`).
    public internal(set) var contentHash = ContentHashKind.current
    static let metaContentHash = "content_hash"

    /// The file's path.
    public let path: String
    let connection: Connection

    private init(connection: Connection) {
        self.connection = connection
        path = connection.path
    }

    deinit { close() }

    /// Why `exists(folder:)` is false, for "no state in DIR (…)": the file is missing, or it
    /// is empty (what a first run stopped before its first commit, or a failed restore,
    /// leaves), or it is not a regular file.
    public static func absence(folder: String) -> String {
        var status = stat()
        let path = (folder as NSString).appendingPathComponent(fileName)
        guard stat(path, &status) == 0 else { return "no \(fileName)" }
        guard status.st_mode & S_IFMT == S_IFREG else { return "its \(fileName) is not a file" }
        return "its \(fileName) is empty, 0 bytes: a first run stopped before its first commit, or a restore that copied nothing"
    }

    /// Whether `folder` has a state file to open: a regular file (or a link to one) of one byte
    /// or more (a zero-length one counts as missing, as SQLite takes it for an empty database).
    public static func exists(folder: String) -> Bool {
        var status = stat()
        let path = (folder as NSString).appendingPathComponent(fileName)
        return stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFREG && status.st_size > 0
    }

    /// Opens DIR/authstats.sqlite, making it (and DIR) when missing and `create`.
    ///
    /// A file that is not ours is refused and left byte for byte as it was: its header and
    /// `application_id` are read with plain reads before SQLite opens it. A file of ours at an
    /// older schema version is migrated; a missing or zero-length one is made at
    /// `schemaVersion`, in one transaction.
    ///
    /// - Throws: `.notAuthstats`; `.damaged` (shorter than its header says, a table missing, an
    ///   older version with no way up, or SQLite finds it corrupt); `.newerSchema`; `.busy`
    ///   when another connection holds it; `.sqlite` when missing and not `create`, or for
    ///   anything else.
    public static func open(folder: String, create: Bool) throws -> StateDatabase {
        try open(folder: folder, create: create, schema: .current)
    }

    /// `open(folder:create:)` for `schema`: tests pass a later one to exercise migrations.
    static func open(folder: String, create: Bool, schema: StateSchema) throws -> StateDatabase {
        let path = (folder as NSString).appendingPathComponent(fileName)
        if try StateFileHeader.inspect(path) == .missing {
            guard create else { throw missing(path) }
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw StateError.sqlite(
                    path: folder, operation: "create the state folder", message: StateLock.reason(creating: folder, error))
            }
        }
        let database = StateDatabase(connection: try Connection(path: path, create: create))
        do {
            try database.prepare(schema, create: create)
            try database.loadKinds()
            try database.sizeCache()
        } catch {
            database.close()
            throw error
        }
        return database
    }

    /// A read-only connection to the state file at `path`, which another connection has
    /// opened and checked (`concurrentReader`).
    static func reader(path: String) throws -> StateDatabase {
        let database = StateDatabase(connection: try Connection(path: path, create: false, readOnly: true))
        try database.loadKinds()
        try database.sizeCache()
        return database
    }

    /// SQLite sizes its page cache in pages, from `cache_size` (default −2000: 2,000 KiB) and
    /// the page size it had when the cache was made, 4 KiB, and does not size it again when the
    /// file's own page size takes over: at 64 KiB pages the cache could grow to 500 of them,
    /// 32 MB (a first run's peak RSS went 123 -> 142 MB). Set again once the file is open, it is
    /// 2,000 KiB again.
    private func sizeCache(_ size: Int = StateDatabase.cacheKiB) throws {
        try connection.execute("PRAGMA cache_size=\(size)", "set the cache size of")
    }

    /// Settles the connection, then makes, checks or migrates the schema.
    private func prepare(_ schema: StateSchema, create: Bool) throws {
        // Both are the defaults; stated, since a WAL file or a lax sync would break the promises above.
        try connection.execute("PRAGMA journal_mode=DELETE", "set the journal mode of")
        try connection.execute("PRAGMA synchronous=FULL", "set the sync mode of")
        // Debian builds SQLite with SECURE_DELETE on, which journals, zeroes and writes back
        // every page a delete frees: a weekly rewrite of the state (`docs/state.md` "Tables")
        // wrote 463 MB to the file where 215 MB were new. FAST zeroes only what costs
        // no extra write, the same on every build.
        try connection.execute("PRAGMA secure_delete=FAST", "set the delete mode of")

        let owner = try connection.integer("PRAGMA application_id", "read the application id of")
        let version = Int(try connection.integer("PRAGMA user_version", "read the schema version of"))
        let objects = try connection.integer("SELECT count(*) FROM sqlite_schema", "read the schema of")
        if owner == 0 && version == 0 && objects == 0 {
            // Missing, zero-length, or ours with its making rolled back: make it now.
            guard create else { throw Self.missing(path) }
            // 64 KiB pages (SQLite's largest; settable only before the first table): the
            // streams' 1 MiB chunks are read page by page, a `pread` each, and 4 KiB pages
            // made a night's restore ~66,000 system calls (`docs/state.md` "Tables").
            try connection.execute("PRAGMA page_size=\(Self.pageSize)", "set the page size of")
            try transaction {
                try connection.execute("PRAGMA application_id=\(Self.applicationID)", "stamp")
                try connection.execute("PRAGMA user_version=\(schema.version)", "stamp")
                for statement in schema.create { try connection.execute(statement, "create the tables of") }
            }
            created = true
            return
        }
        guard owner == Self.applicationID else { throw StateError.notAuthstats(path: path) }
        if version > schema.version {
            throw StateError.newerSchema(path: path, found: version, supported: schema.version)
        }
        if version < schema.version {
            guard let steps = schema.migrations(from: version) else {
                throw StateError.damaged(
                    path: path, reason: "schema version \(version), older than any this authstats can upgrade")
            }
            try transaction {
                for step in steps {
                    for statement in step.statements {
                        try connection.execute(statement, "upgrade to schema version \(step.version)")
                    }
                }
                try connection.execute("PRAGMA user_version=\(schema.version)", "stamp")
            }
        }
        var tables = Set<String>()
        try connection.query("SELECT name FROM sqlite_schema WHERE type = 'table'", "read the schema of") {
            if let name = $0.text(0) { tables.insert(name) }
        }
        if let absent = schema.tables.subtracting(tables).sorted().first {
            throw StateError.damaged(path: path, reason: "the table \(absent) is missing")
        }
    }

    /// Reads the kinds the file's chunks and ledger are made with (`chunkCheck`,
    /// `contentHash`).
    private func loadKinds() throws {
        chunkCheck = try kind(Self.metaChunkCheck, "its chunks are checked")
        contentHash = try kind(Self.metaContentHash, "its inputs are hashed")
    }

    /// The kind `meta` names under `name`: a file without it, or with one this build does not
    /// know, is damaged (its chunks or its ledger could not be read as written). `done`
    /// says what the kind is of, for the message.
    private func kind<Kind: RawRepresentable>(_ name: String, _ done: String) throws -> Kind where Kind.RawValue == String {
        guard let value = try meta(name) else {
            throw StateError.damaged(path: path, reason: "it does not say how \(done) (meta \(name))")
        }
        guard let kind = Kind(rawValue: value) else {
            throw StateError.damaged(path: path, reason: "\(done) with \"\(value)\", which this authstats does not know")
        }
        return kind
    }

    private static func missing(_ path: String) -> StateError {
        .sqlite(path: path, operation: "open", message: "no state has been saved there")
    }

    /// Closes the file; idempotent, and done on deinit too. Any later call throws `.sqlite`.
    public func close() { connection.close() }

    /// Runs `body` in a write transaction: `BEGIN IMMEDIATE`, then `COMMIT`; `ROLLBACK` and
    /// rethrow when `body` throws (nothing it did is kept). Transactions do not nest.
    ///
    /// IMMEDIATE takes the write lock at once, so a second writer fails at the start (`.busy`)
    /// rather than after its work.
    public func transaction<R>(_ body: () throws -> R) throws -> R {
        guard !connection.inTransaction else {
            throw StateError.sqlite(
                path: path, operation: "begin a transaction on", message: "one is already open (they do not nest)")
        }
        try connection.execute("BEGIN IMMEDIATE", "begin a transaction on")
        let check = chunkCheck
        let hashKind = contentHash
        let result: R
        do {
            connection.expectsTransaction = true
            result = try body()
            connection.expectsTransaction = false
            try connection.execute("COMMIT", "commit to")
        } catch {
            connection.expectsTransaction = false
            // After a failed COMMIT the transaction may still be open; its error is the one to report.
            if connection.inTransaction {
                try? connection.execute("ROLLBACK", "roll back")
            } else {
                // SQLite ended it itself (a full disk, an I/O error): its pager may keep the
                // journal until the file is next read, which plays it back. Read now, so that the
                // file is as it was and the journal gone before the run exits (it was left hot, on
                // the full disk, for the next run to play back, a review found).
                _ = try? connection.integer("SELECT count(*) FROM sqlite_master", "read")
            }
            // A `removeAllChunks` or `removeLedger` rolled back leaves the file's kinds as they were.
            chunkCheck = check
            contentHash = hashKind
            throw error
        }
        return result
    }

    /// The page cache of `rewriting`'s transactions, as `PRAGMA cache_size` wants it
    /// (negative: KiB): 16 MiB.
    static let rewriteCacheKiB = -(16 << 10)
    /// The same in bytes: the file size above which `rewriting` takes the larger cache.
    private static let rewriteCacheBytes = -rewriteCacheKiB << 10

    /// As `transaction`, for one that writes over most of a file that holds data already (a
    /// state written whole again: the weekly compaction, `--rebuild`, `state merge --into`):
    /// with a page cache of 16 MiB instead of 2,000 KiB while it runs, when the file holds more
    /// than that.
    ///
    /// Why: a page of the file is written over only once its old bytes are safe in the rollback
    /// journal, so when the cache fills and spills a page journaled since the last sync, SQLite
    /// syncs the journal first (twice, with `synchronous=FULL`). A compaction night of the bench
    /// set's state (its 59 days and a later day's 45 files) synced 274 times with the default
    /// cache and 38–40 with 16 MiB, for 14 MB more peak RSS (94 → 108 MB). A sync takes ~0.3 ms
    /// on this machine's disk (the night's time moved within noise); made to take 5 ms more, as
    /// on a network disk, the night took 4.89–5.01 s instead of 5.26–5.77 (docs/state.md
    /// "Tables"). A 64 MiB cache synced 20 times (162 MB). A file of 16 MiB or less (a new one
    /// among them) keeps the default: new pages need no journal, so writing a new state syncs
    /// little either way (a shard of eight: 10 syncs), and a larger cache would only hold more
    /// memory.
    public func rewriting<R>(_ body: () throws -> R) throws -> R {
        var larger = false
        // After the commit or the rollback. Should it fail, the connection keeps the larger
        // cache: more memory, the same results.
        defer { if larger { try? sizeCache() } }
        return try transaction {
            // Measured and set inside the transaction: no statement takes the file lock alone.
            if try fileBytes() > Self.rewriteCacheBytes {
                try sizeCache(Self.rewriteCacheKiB)
                larger = true
            }
            return try body()
        }
    }

    /// Runs `body`, which only reads, in one read transaction (`BEGIN`, then `COMMIT`): a
    /// statement outside one takes and drops SQLite's file lock and looks for a hot journal
    /// each time, a dozen system calls (the ledger look-ups of a shard's 589 inputs took 30 ms
    /// that way). Transactions do not nest.
    public func reading<R>(_ body: () throws -> R) throws -> R {
        guard !connection.inTransaction else {
            throw StateError.sqlite(
                path: path, operation: "begin a transaction on", message: "one is already open (they do not nest)")
        }
        try connection.execute("BEGIN", "begin a transaction on")
        defer { if connection.inTransaction { try? connection.execute("ROLLBACK", "roll back") } }
        let result = try body()
        try connection.execute("COMMIT", "end the reading of")
        return result
    }

    // MARK: Named values

    /// The value stored under `name`, nil when none is.
    public func meta(_ name: String) throws -> String? {
        var value: String?
        try connection.query("SELECT value FROM meta WHERE name = ?", "read a value from", [.text(name)]) {
            value = $0.text(0)
        }
        return value
    }

    /// Stores `value` under `name`, replacing any value there.
    public func setMeta(_ name: String, _ value: String) throws {
        try connection.execute(
            "INSERT OR REPLACE INTO meta(name, value) VALUES (?, ?)", "store a value in", [.text(name), .text(value)])
    }

    // MARK: The file

    /// The file's size as SQLite sees it: `page_count * page_size` (free pages included).
    public func fileBytes() throws -> Int {
        let pages = try connection.integer("PRAGMA page_count", "read the size of")
        let pageSize = try connection.integer("PRAGMA page_size", "read the size of")
        return Int(pages * pageSize)
    }

    /// Runs `PRAGMA quick_check` (every page and b-tree read and checked; indexes not matched
    /// against their tables), which takes a pass over the whole file.
    ///
    /// - Throws: `.damaged` with the check's first message.
    public func quickCheck() throws {
        var first: String?
        try connection.query("PRAGMA quick_check(1)", "check") { row in
            if first == nil { first = row.text(0) }
        }
        guard let first, first != "ok" else { return }
        // The first message comes after a line naming the schema ("*** in database main ***").
        let lines = first.split(separator: "\n").filter { !$0.hasPrefix("*** ") }
        throw StateError.damaged(path: path, reason: "quick_check: " + lines.joined(separator: "; "))
    }

    /// Writes a consistent, compacted copy of the state to `path` (`VACUUM INTO`), which must
    /// not exist or be empty. Not inside a transaction.
    public func vacuumInto(_ path: String) throws {
        try connection.execute("VACUUM INTO ?", "copy the state to \(path) from", [.text(path)])
    }
}
