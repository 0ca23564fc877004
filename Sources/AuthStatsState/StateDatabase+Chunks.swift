import AuthStatsCore

/// Bulk data as ordered chunks of bytes: each `name` (a kind of data) has scopes (for example
/// one per day), and each scope a sequence of chunks read back in `seq` order.
extension StateDatabase {
    /// Stores `data` as chunk `seq` of `name` in `scope`.
    ///
    /// - Throws: `.sqlite` (a constraint failure) when that chunk exists.
    public func appendChunk(name: String, scope: String, seq: Int, _ data: UnsafeRawBufferPointer) throws {
        try connection.execute(
            "INSERT INTO chunks(name, scope, seq, data) VALUES (?, ?, ?, ?)", "append a chunk to",
            [.text(name), .text(scope), .int(seq), .blob(data)])
        connection.wrote(bulk: data.count)
    }

    /// Calls `body` with each chunk of `name` in `scope`, in `seq` order; one chunk is in
    /// memory at a time.
    public func forEachChunk(name: String, scope: String, _ body: ([UInt8]) throws -> Void) throws {
        try forEachChunkBytes(name: name, scope: scope) { try body(Array($0)) }
    }

    /// As `forEachChunk`, each chunk in SQLite's buffer (valid only inside `body`): no 1 MiB
    /// array made per chunk (their page faults were a sixth of a restore).
    public func forEachChunkBytes(name: String, scope: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        var expected = 0
        try connection.query(
            "SELECT seq, data FROM chunks WHERE name = ? AND scope = ? ORDER BY seq", "read chunks from",
            [.text(name), .text(scope)]
        ) { row in
            try checkSeq(Int(row.integer(0)), expected: expected, name: name)
            expected += 1
            try row.withBlob(1, body)
        }
    }

    /// A stream's chunks are numbered from 0 with no gap (appended at the next number, removed
    /// only whole): a gap is a lost chunk, which a file's checks of its pages need not see (a
    /// copy of the file taken while it was written loses rows, not page checks).
    func checkSeq(_ seq: Int, expected: Int, name: String) throws {
        guard seq == expected else {
            // Counted from 1, as a chunk whose checksum fails is named (the table's `seq` counts
            // from 0: the two messages named one chunk by two numbers, a review found).
            throw StateError.damaged(
                path: path, reason: "chunk \(expected + 1) of \(name) is missing (the next is chunk \(seq + 1); chunks are counted from 1, the chunks table's seq from 0)")
        }
    }

    /// A second, read-only connection to the same file, for a thread that reads beside this
    /// connection's (a restore's): each reads its own chunks in place, with no lock and no
    /// copy. Nil while this connection has written in an open transaction (the other would
    /// not see it). The connection closes when the object is released.
    public func concurrentReader() throws -> StateDatabase? {
        guard !connection.hasWritten else { return nil }
        return try StateDatabase.reader(path: path)
    }

    /// The first chunk of `name` in `scope` after `seq` (nil: its first), copied into
    /// `buffer` (its room kept); its `seq`, or nil past the last.
    public func chunk(name: String, scope: String, after seq: Int?, into buffer: inout [UInt8]) throws -> Int? {
        var found: Int?
        try connection.query(
            "SELECT seq, data FROM chunks WHERE name = ? AND scope = ? AND seq > ? ORDER BY seq LIMIT 1", "read chunks from",
            [.text(name), .text(scope), .int(seq ?? -1)]
        ) { row in
            found = Int(row.integer(0))
            try checkSeq(found!, expected: (seq ?? -1) + 1, name: name)
            buffer.removeAll(keepingCapacity: true)
            row.withBlob(1) { buffer.append(contentsOf: $0) }
        }
        return found
    }

    /// How many chunks `name` has in `scope`, and their bytes in all: from the rows' headers,
    /// without reading the chunks (SQLite's `length()` of a blob does not load it).
    public func streamSize(name: String, scope: String) throws -> (chunks: Int, bytes: Int) {
        var size = (chunks: 0, bytes: 0)
        try connection.query(
            "SELECT count(*), coalesce(sum(length(data)), 0) FROM chunks WHERE name = ? AND scope = ?", "measure chunks in",
            [.text(name), .text(scope)]
        ) { size = (Int($0.integer(0)), Int($0.integer(1))) }
        return size
    }

    /// The scopes that have chunks of `name`, sorted by their UTF-8 bytes.
    public func scopes(of name: String) throws -> [String] {
        var scopes: [String] = []
        // The BINARY collation compares the stored UTF-8 with memcmp: byte order.
        try connection.query(
            "SELECT DISTINCT scope FROM chunks WHERE name = ? ORDER BY scope", "list the scopes in", [.text(name)]
        ) { scopes.append($0.text(0) ?? "") }
        return scopes
    }

    /// The `seq` after the last chunk of `name` in `scope` (0 when there is none): where a
    /// batch appends to a stream.
    public func nextSeq(name: String, scope: String) throws -> Int {
        var next = 0
        try connection.query(
            "SELECT COALESCE(MAX(seq) + 1, 0) FROM chunks WHERE name = ? AND scope = ?", "read chunks from",
            [.text(name), .text(scope)]
        ) { next = Int($0.integer(0)) }
        return next
    }

    /// Removes every chunk of every name. The file keeps its size (its pages are reused). The
    /// chunks written after it are checked with `ChunkCheck.current` (the file says so too).
    public func removeAllChunks() throws {
        try connection.execute("DELETE FROM chunks", "remove the chunks from")
        try setMeta(Self.metaChunkCheck, ChunkCheck.current.rawValue)
        chunkCheck = .current
    }

    /// Removes the chunks of one stream.
    public func removeChunks(name: String, scope: String) throws {
        try connection.execute("DELETE FROM chunks WHERE name = ? AND scope = ?", "remove the chunks from", [.text(name), .text(scope)])
    }

    /// The names of every stream that has a chunk, in byte order (`state info` checks them all).
    public func streamNames() throws -> [String] {
        var names: [String] = []
        try connection.query("SELECT DISTINCT name FROM chunks ORDER BY name", "list the streams of") { names.append($0.text(0) ?? "") }
        return names
    }

    /// The total size of the chunks' data by name, for `state info`.
    public func chunkBytes() throws -> [String: Int] {
        var bytes: [String: Int] = [:]
        // length() of a blob is read from the record header: the data itself is not loaded.
        try connection.query("SELECT name, sum(length(data)) FROM chunks GROUP BY name", "measure the chunks in") {
            bytes[$0.text(0) ?? ""] = Int($0.integer(1))
        }
        return bytes
    }
}

extension StateDatabase: StateChunkSink, StateChunkSource {
    public func concurrentSource() throws -> (any StateChunkSource)? { try concurrentReader() }
}
