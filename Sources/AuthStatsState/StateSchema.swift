import AuthStatsCore

/// The tables of a state file at one schema version, and how older files are brought to it.
///
/// `StateDatabase.open` makes a new file with `create` and stamps it `version`; a file at an
/// older version is upgraded by the `migrations` after its version, in order, all in one
/// transaction with the new `user_version`, so a failed upgrade leaves the file as it was.
struct StateSchema {
    /// One step: the statements that bring a file from `version - 1` to `version`.
    struct Migration {
        var version: Int
        var statements: [String]
    }

    var version: Int
    var create: [String]
    var migrations: [Migration]
    /// The tables every file of this version has; one missing means the file is damaged.
    var tables: Set<String>

    /// The migrations from `found` to `version`, in order; nil when some step is missing (a
    /// version older than any this build can upgrade).
    func migrations(from found: Int) -> [Migration]? {
        let steps = migrations.filter { $0.version > found && $0.version <= version }.sorted { $0.version < $1.version }
        guard steps.map(\.version) == Array(stride(from: found + 1, through: version, by: 1)) else { return nil }
        return steps
    }

    /// The statement that records in `meta` how a file's chunks are checked.
    /// The statement that records `value` under `name` in `meta` (a chunk check's or a
    /// ledger hash's kind).
    static func stating(_ name: String, _ value: some RawRepresentable<String>) -> String {
        "INSERT INTO meta(name, value) VALUES ('\(name)', '\(value.rawValue)')"
    }

    /// Today's schema (version 5).
    static let current = StateSchema(
        version: 5,
        create: [
            "CREATE TABLE meta(name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
            // A rowid table: 100 MiB of 1 MiB chunks in one transaction went in at ~800 MiB/s, against
            // ~500 as WITHOUT ROWID (whose b-tree then holds the blobs), and read back equally fast
            // (StateThroughputTests, debug build, 2 cores). Its key index holds no blob.
            """
            CREATE TABLE chunks(name TEXT NOT NULL, scope TEXT NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL,
                                PRIMARY KEY(name, scope, seq))
            """,
            """
            CREATE TABLE inputs(content_hash TEXT PRIMARY KEY, path TEXT NOT NULL, size INTEGER NOT NULL,
                                modified INTEGER NOT NULL, batch INTEGER NOT NULL, records INTEGER NOT NULL,
                                events INTEGER NOT NULL, first_day TEXT, last_day TEXT, status TEXT NOT NULL)
                         WITHOUT ROWID
            """,
            "CREATE INDEX inputs_by_path ON inputs(path)",
            """
            CREATE TABLE batches(number INTEGER PRIMARY KEY, started TEXT NOT NULL, finished TEXT NOT NULL,
                                 version TEXT NOT NULL, arguments TEXT NOT NULL)
            """,
            stating(StateDatabase.metaChunkCheck, ChunkCheck.current),
            stating(StateDatabase.metaContentHash, ContentHashKind.current),
        ],
        migrations: [
            // 2 keeps the fingerprints in streams by day (`docs/state.md` "Tables"): the tables
            // are unchanged, and a version-1 state's single fingerprint stream is still read
            // until its next whole write. Version 1 must not open a file written since: it would
            // miss the fingerprints in the new streams.
            Migration(version: 2, statements: []),
            // 3 checks the chunks written whole from now on with `Hash64.hashInLanes`
            // (`ChunkCheck`): an older file's chunks keep theirs, and the file says which,
            // until it is next written whole. Version 2 must not open a file written since:
            // it would take every new chunk for damaged.
            Migration(
                version: 3,
                statements: [stating(StateDatabase.metaChunkCheck, ChunkCheck.serial)]),
            // 4 hashes the inputs of a ledger begun from now on with `ContentHashKind.lanes`
            // (~7 times as fast): an older file's ledger keeps its hashes, and the file says
            // which, until its ledger is begun again. Version 3 must not open a file written
            // since: it would match no input by its bytes, and take every known path for changed.
            Migration(
                version: 4,
                statements: [stating(StateDatabase.metaContentHash, ContentHashKind.fingerprint)]),
            // 5 keeps the fingerprints of the events `--pinpoint-parity` leaves out, marked with
            // their reason (`FingerprintLog.encode`), so that a later copy of one is a duplicate:
            // the tables are unchanged, and an older file holds no such entry. Version 4 must
            // not open a file written since: it would take such an entry for a counted event,
            // and take back from the tables a copy of it that they never counted.
            Migration(version: 5, statements: []),
        ],
        tables: ["meta", "chunks", "inputs", "batches"])
}
