import AuthStatsCore

/// The inputs ledger (which input bytes were read, in which batch, with what result) and the
/// batches (the runs that added to the state).
extension StateDatabase {
    private static let ledgerColumns =
        "content_hash, path, size, modified, batch, records, events, first_day, last_day, status"

    /// The entry for the bytes with `contentHash`, nil when none.
    public func ledgerEntry(contentHash: String) throws -> LedgerEntry? {
        var entry: LedgerEntry?
        try connection.query(
            "SELECT \(Self.ledgerColumns) FROM inputs WHERE content_hash = ?", "read the ledger of",
            [.text(contentHash)]
        ) { entry = Self.ledgerEntry($0) }
        return entry
    }

    /// The sizes of the inputs in the ledger: a file of another size cannot hold the bytes of
    /// any of them.
    public func ledgerSizes() throws -> Set<Int64> {
        var sizes = Set<Int64>()
        try connection.query("SELECT DISTINCT size FROM inputs", "read the ledger of") { sizes.insert($0.integer(0)) }
        return sizes
    }

    /// How many entries the ledger holds.
    public func ledgerCount() throws -> Int {
        Int(try connection.integer("SELECT COUNT(*) FROM inputs", "read the ledger of"))
    }

    /// Every entry, by path: each path's as `ledgerEntries(path:)` gives them (read in one
    /// query without an order, which SQLite would sort for, each path's few sorted after).
    /// Keyed by the path's bytes, as SQLite's `path = ?` compares them: a `String` key would
    /// take a name written in composed and in decomposed form (`café` as `é` or as `e` and an
    /// accent, two files to the file system) for one.
    public func ledgerByPath() throws -> [ExactText: [LedgerEntry]] {
        var byPath: [ExactText: [LedgerEntry]] = [:]
        try connection.query("SELECT \(Self.ledgerColumns) FROM inputs", "read the ledger of") { row in
            let entry = Self.ledgerEntry(row)
            byPath[ExactText(entry.path), default: []].append(entry)
        }
        for (path, entries) in byPath where entries.count > 1 {
            byPath[path] = entries.sorted { ($0.batch, $0.contentHash) < ($1.batch, $1.contentHash) }
        }
        return byPath
    }

    /// The entries last seen at `path` (several when its bytes changed), by batch then hash.
    public func ledgerEntries(path: String) throws -> [LedgerEntry] {
        try ledgerEntries(
            "SELECT \(Self.ledgerColumns) FROM inputs WHERE path = ? ORDER BY batch, content_hash", [.text(path)])
    }

    /// Stores `entry`, replacing the one with the same hash and those it says it replaces.
    public func addLedgerEntry(_ entry: LedgerEntry) throws {
        for hash in entry.replacing where hash != entry.contentHash {
            try connection.execute("DELETE FROM inputs WHERE content_hash = ?", "replace a row of the ledger of", [.text(hash)])
        }
        try connection.execute(
            "INSERT OR REPLACE INTO inputs(\(Self.ledgerColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            "add to the ledger of",
            [
                .text(entry.contentHash), .text(entry.path), .integer(entry.size), .integer(entry.modified),
                .int(entry.batch), .int(entry.records), .int(entry.events), .nullable(entry.firstDay),
                .nullable(entry.lastDay), .text(entry.status),
            ])
    }

    /// Every entry, by batch, then path (UTF-8 bytes), then hash.
    public func ledger() throws -> [LedgerEntry] {
        try ledgerEntries("SELECT \(Self.ledgerColumns) FROM inputs ORDER BY batch, path, content_hash", [])
    }

    /// Removes every ledger entry (the batches stay).
    public func removeLedger() throws {
        try connection.execute("DELETE FROM inputs", "clear the ledger of")
        try adoptContentHash(.current)
    }

    /// Makes `kind` the ledger's hash (`contentHash`): for a ledger begun again, or filled from
    /// states hashed with `kind` (`state merge` into an empty state). In a transaction: rolled
    /// back, the file keeps its kind.
    public func adoptContentHash(_ kind: ContentHashKind) throws {
        try setMeta(Self.metaContentHash, kind.rawValue)
        contentHash = kind
    }

    private func ledgerEntries(_ sql: String, _ values: [SQLValue]) throws -> [LedgerEntry] {
        var entries: [LedgerEntry] = []
        try connection.query(sql, "read the ledger of", values) { entries.append(Self.ledgerEntry($0)) }
        return entries
    }

    private static func ledgerEntry(_ row: Statement) -> LedgerEntry {
        LedgerEntry(
            contentHash: row.text(0) ?? "", path: row.text(1) ?? "", size: row.integer(2), modified: row.integer(3),
            batch: Int(row.integer(4)), records: Int(row.integer(5)), events: Int(row.integer(6)),
            firstDay: row.text(7), lastDay: row.text(8), status: row.text(9) ?? "")
    }

    // MARK: Batches

    /// Stores `batch`, replacing one with the same number (so a run may record itself when it
    /// starts and again when it finishes).
    public func addBatch(_ batch: BatchEntry) throws {
        try connection.execute(
            "INSERT OR REPLACE INTO batches(number, started, finished, version, arguments) VALUES (?, ?, ?, ?, ?)",
            "add a batch to",
            [
                .int(batch.number), .text(batch.started), .text(batch.finished), .text(batch.version),
                .text(batch.arguments),
            ])
    }

    /// Every batch, by number.
    public func batches() throws -> [BatchEntry] {
        var batches: [BatchEntry] = []
        try connection.query(
            "SELECT number, started, finished, version, arguments FROM batches ORDER BY number", "read the batches of"
        ) {
            batches.append(
                BatchEntry(
                    number: Int($0.integer(0)), started: $0.text(1) ?? "", finished: $0.text(2) ?? "",
                    version: $0.text(3) ?? "", arguments: $0.text(4) ?? ""))
        }
        return batches
    }

    /// The highest batch number, 0 when there is none.
    public func lastBatch() throws -> Int {
        Int(try connection.integer("SELECT coalesce(max(number), 0) FROM batches", "read the batches of"))
    }
}
