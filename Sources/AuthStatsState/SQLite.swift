import CSQLite

#if canImport(Glibc)
import Glibc
private let closeDescriptor = Glibc.close
#elseif canImport(Darwin)
import Darwin
private let closeDescriptor = Darwin.close
#endif

/// A value bound to a statement's `?` parameter.
enum SQLValue {
    case text(String)
    case integer(Int64)
    /// Bytes that stay valid through the call that binds them (`Connection.query` and those
    /// on it): bound in place (`SQLITE_STATIC`), not copied, since the statement is reset and
    /// its bindings cleared before the call returns. Make it inside the bytes' own scope (the
    /// call inside `withUnsafeBytes`), never from a pointer that has left it.
    case blob(UnsafeRawBufferPointer)
    case null

    static func int(_ value: Int) -> SQLValue { .integer(Int64(value)) }
    static func nullable(_ value: String?) -> SQLValue { value.map { .text($0) } ?? .null }
}

/// One SQLite connection (`sqlite3 *`), the only place this module calls the C API from.
///
/// Statements are prepared on first use and kept, keyed by their SQL text, until `close`; each
/// use resets it when done, so no read transaction stays open between calls. Every result
/// code other than success becomes a `StateError` naming the file, in `error(_:_:)`.
final class Connection {
    let path: String
    private var handle: OpaquePointer?
    private var statements: [String: Statement] = [:]

    /// Opens `path` read-write (and creates it when `create`), or read-only: the corresponding
    /// C function is `sqlite3_open_v2`. SQLite reads nothing until the first statement.
    init(path: String, create: Bool, readOnly: Bool = false) throws {
        self.path = path
        let flags = readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0)
        let code = sqlite3_open_v2(path, &handle, flags, nil)
        guard code == SQLITE_OK else {
            let failure = error(code, "open")
            sqlite3_close_v2(handle)
            handle = nil
            throw failure
        }
        // Extended codes only sharpen sqlite3_errmsg; `error` maps on the primary code.
        sqlite3_extended_result_codes(handle, 1)
    }

    deinit { close() }

    /// Finalizes every kept statement and closes the connection; idempotent.
    func close() {
        for statement in statements.values { statement.finalize() }
        statements = [:]
        sqlite3_close_v2(handle)
        handle = nil
        // Only now: closing any descriptor of a file drops every POSIX lock the process holds
        // on it, this connection's and any other's on the same file. So a connection that
        // wrote bulk data closes after the others of this process on its file (a state's
        // concurrent readers are released before its writer); other processes are kept out
        // by the state's own lock (`StateLock`, a `flock` on another file) either way.
        if writebackDescriptor >= 0 { _ = closeDescriptor(writebackDescriptor) }
        writebackDescriptor = -1
    }

    /// How many bytes of bulk data (`wrote(bulk:)`) between two starts of the file's writeback.
    static let writebackInterval = 8 << 20
    /// A read-only descriptor of the file, for `wrote(bulk:)` (SQLite does not hand out its
    /// own); -1 until first needed.
    private var writebackDescriptor: Int32 = -1
    private var bulkSinceWriteback = 0
    /// How many times the file's writeback was started (for tests; always 0 but on Linux).
    private(set) var writebackStarts = 0

    /// Counts `bytes` of bulk data just handed to SQLite (a chunk); every `writebackInterval`
    /// of them, starts writing the file's dirty pages to the device, without waiting.
    ///
    /// Why: SQLite writes a transaction's pages into the file as its page cache fills, and in a
    /// run of seconds the kernel sends none of them to the device before the commit's sync,
    /// which then waits for all of it while the run has nothing else to do: a new shard state
    /// (46 MB) waited 13 ms for its `fdatasync`, a first run's state of the bench set (240 MB)
    /// 63 ms. Started on their way as they are written (`sync_file_range` with
    /// `SYNC_FILE_RANGE_WRITE`, ~0.5 ms a call), the sync waits for the last few MiB: 1–3 ms.
    /// Durability is the commit's sync, as before. Linux only (elsewhere nothing is opened or
    /// started); a failure here changes nothing and is ignored.
    func wrote(bulk bytes: Int) {
        #if os(Linux)
        bulkSinceWriteback += bytes
        guard bulkSinceWriteback >= Self.writebackInterval else { return }
        bulkSinceWriteback = 0
        if writebackDescriptor < 0 { writebackDescriptor = open(path, O_RDONLY | O_CLOEXEC) }
        if writebackDescriptor >= 0 && csqlite_start_writeback(writebackDescriptor) == 0 { writebackStarts += 1 }
        #endif
    }

    /// The bytes of page cache this connection holds now (`SQLITE_DBSTATUS_CACHE_USED`).
    var cacheBytes: Int {
        var current: Int32 = 0
        var highest: Int32 = 0
        guard let handle, sqlite3_db_status(handle, SQLITE_DBSTATUS_CACHE_USED, &current, &highest, 0) == SQLITE_OK else { return 0 }
        return Int(current)
    }

    /// The dirty pages this connection's page cache has written to the file before their
    /// transaction's commit, since it opened (`SQLITE_DBSTATUS_CACHE_SPILL`, cumulative): the
    /// journal is synced first when such a page was journaled since the last sync
    /// (`StateDatabase.rewriting`).
    var cacheSpills: Int {
        var current: Int32 = 0
        var highest: Int32 = 0
        guard let handle, sqlite3_db_status(handle, SQLITE_DBSTATUS_CACHE_SPILL, &current, &highest, 0) == SQLITE_OK else { return 0 }
        return Int(current)
    }

    /// Whether the open transaction has written (`sqlite3_txn_state` is `SQLITE_TXN_WRITE`):
    /// another connection would not see what it wrote.
    var hasWritten: Bool { handle.map { sqlite3_txn_state($0, nil) == SQLITE_TXN_WRITE } ?? false }

    /// Whether a transaction is open (`sqlite3_get_autocommit` is 0).
    var inTransaction: Bool { handle.map { sqlite3_get_autocommit($0) == 0 } ?? false }

    /// Set while a transaction's body runs (`StateDatabase.transaction`): a statement then
    /// refuses to run outside the transaction. After an I/O error or a full disk SQLite may
    /// roll the transaction back by itself; a statement run after that would commit on its
    /// own, a part of a batch that the run reports as not written.
    var expectsTransaction = false

    /// Writes the open transaction's changed pages into the file now, the journal synced first
    /// (`sqlite3_db_cacheflush`), as a commit does before it removes the journal: for tests
    /// that stop a run at that point.
    func flushCache() throws {
        let code = sqlite3_db_cacheflush(handle)
        guard code == SQLITE_OK else { throw error(code, "write the cached pages to") }
    }

    /// Runs `sql` with `values`, calling `row` for each result row, then resets the statement.
    ///
    /// - Parameter operation: what is being done, a verb phrase whose object is the file
    ///   ("read the ledger of"), for the error message.
    func query(
        _ sql: String, _ operation: String, _ values: [SQLValue] = [], row: (Statement) throws -> Void
    ) throws {
        if expectsTransaction && !inTransaction {
            throw StateError.sqlite(
                path: path, operation: operation, message: "the transaction was rolled back after an earlier error; nothing more is written")
        }
        let statement = try prepared(sql, operation)
        defer { statement.reset() }
        try statement.bind(values, operation)
        while try statement.step(operation) { try row(statement) }
    }

    /// Runs `sql`, which returns no rows (or rows nobody needs), with `values`.
    func execute(_ sql: String, _ operation: String, _ values: [SQLValue] = []) throws {
        try query(sql, operation, values) { _ in }
    }

    /// The first column of the first row of `sql` as an integer (0 when there is no row).
    func integer(_ sql: String, _ operation: String, _ values: [SQLValue] = []) throws -> Int64 {
        var result: Int64 = 0
        var first = true
        try query(sql, operation, values) { row in
            if first { result = row.integer(0) }
            first = false
        }
        return result
    }

    /// The statement for `sql`, prepared now or on an earlier call.
    private func prepared(_ sql: String, _ operation: String) throws -> Statement {
        if let statement = statements[sql] { return statement }
        guard let handle else {
            throw StateError.sqlite(path: path, operation: operation, message: "the state is closed")
        }
        var raw: OpaquePointer?
        let code = sqlite3_prepare_v2(handle, sql, -1, &raw, nil)
        guard code == SQLITE_OK, let raw else { throw error(code, operation) }
        let statement = Statement(raw, connection: self)
        statements[sql] = statement
        return statement
    }

    /// What the system says of an I/O failure, as " (reason)": its error number's text when
    /// SQLite kept one (it often has not: a write past the file size limit gives none), else a
    /// file size limit in force (`ulimit -f`), the usual cause of a write failing on a sound
    /// disk; "" when neither. (A file size limit was "disk I/O error", as if the disk were
    /// failing, a review found, 2026-12-07.)
    static func systemReason(_ number: Int32) -> String {
        if number != 0, let reason = strerror(number) { return " (\(String(cString: reason)))" }
        #if canImport(Glibc)
        let (resource, unlimited) = (Int32(RLIMIT_FSIZE.rawValue), rlim_t.max)  // RLIM_INFINITY, ~0
        #else
        let (resource, unlimited) = (RLIMIT_FSIZE, RLIM_INFINITY)
        #endif
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0, limit.rlim_cur != unlimited else { return "" }
        return " (a file size limit is in force, `ulimit -f`: \(limit.rlim_cur) bytes; a write past it fails)"
    }

    /// The `StateError` for result `code` of `operation`, with SQLite's message for it.
    ///
    /// Busy and locked mean another connection holds the file; corrupt and "not a database"
    /// can only come from a file that passed the ownership check, so they mean ours is damaged.
    func error(_ code: Int32, _ operation: String) -> StateError {
        var message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
        // An I/O failure says the system's reason too (`systemReason`).
        if let handle, [SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN].contains(code & 0xFF) {
            message += Self.systemReason(sqlite3_system_errno(handle))
        }
        switch code & 0xFF {
        case SQLITE_BUSY, SQLITE_LOCKED: return .busy(lockPath: path, pid: nil)
        case SQLITE_CORRUPT, SQLITE_NOTADB: return .damaged(path: path, reason: "\(operation): \(message)")
        default: return .sqlite(path: path, operation: operation, message: message)
        }
    }
}

/// A prepared statement (`sqlite3_stmt *`), owned by its `Connection`.
final class Statement {
    private var handle: OpaquePointer?
    private unowned let connection: Connection

    fileprivate init(_ handle: OpaquePointer, connection: Connection) {
        self.handle = handle
        self.connection = connection
    }

    fileprivate func finalize() {
        sqlite3_finalize(handle)
        handle = nil
    }

    /// Ready for the next use: `sqlite3_reset` (which ends its read, if it was the last) and
    /// `sqlite3_clear_bindings`. The result code repeats the last step's, already reported.
    fileprivate func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// Binds `values` to parameters 1, 2, …; text is copied (`SQLITE_TRANSIENT`), blobs are not
    /// (`SQLValue.blob`).
    fileprivate func bind(_ values: [SQLValue], _ operation: String) throws {
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .integer(let integer):
                code = sqlite3_bind_int64(handle, index, integer)
            case .null:
                code = sqlite3_bind_null(handle, index)
            case .text(var text):
                code = text.withUTF8 { bytes in
                    bytes.withMemoryRebound(to: CChar.self) { chars in
                        // An empty buffer may have no address, which SQLite would take for NULL.
                        guard let start = chars.baseAddress, !chars.isEmpty else {
                            return sqlite3_bind_text(handle, index, "", 0, csqlite_transient())
                        }
                        return sqlite3_bind_text64(
                            handle, index, start, UInt64(chars.count), csqlite_transient(), UInt8(SQLITE_UTF8))
                    }
                }
            case .blob(let raw):
                code =
                    raw.isEmpty
                    ? sqlite3_bind_zeroblob(handle, index, 0)
                    : sqlite3_bind_blob64(handle, index, raw.baseAddress, UInt64(raw.count), csqlite_static())
            }
            guard code == SQLITE_OK else { throw connection.error(code, operation) }
        }
    }

    /// Advances to the next row: true when there is one, false when done.
    fileprivate func step(_ operation: String) throws -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code: throw connection.error(code, operation)
        }
    }

    /// Column `index` of the current row as an integer (0 for NULL).
    func integer(_ index: Int32) -> Int64 { sqlite3_column_int64(handle, index) }

    /// Column `index` of the current row as text, nil for NULL.
    func text(_ index: Int32) -> String? {
        guard let bytes = sqlite3_column_text(handle, index) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, index))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    /// Column `index` of the current row as bytes in SQLite's own buffer, valid only inside
    /// `body` (the next step reuses it): no copy.
    func withBlob<R>(_ index: Int32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let pointer = sqlite3_column_blob(handle, index)
        let count = Int(sqlite3_column_bytes(handle, index))
        return try body(UnsafeRawBufferPointer(start: count > 0 ? pointer : nil, count: count > 0 ? count : 0))
    }

    /// Column `index` of the current row as bytes (empty for NULL), copied out of SQLite's
    /// buffer, which the next step reuses.
    func blob(_ index: Int32) -> [UInt8] {
        let pointer = sqlite3_column_blob(handle, index)
        let count = Int(sqlite3_column_bytes(handle, index))
        guard let pointer, count > 0 else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: pointer, count: count))
    }
}
