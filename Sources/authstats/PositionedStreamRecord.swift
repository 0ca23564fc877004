import AuthStatsCore
import AuthStatsState

/// A record a state's stream keeps for one of its inputs (an input's `summary.json` entry, a
/// kept reject): read back with its input position moved by a merge's placing of the state,
/// and written over what the stream kept (`ShardRuns`, `UnreportedReading`).
protocol PositionedStreamRecord {
    /// The record these bytes are (nil: not one).
    init?(record: UnsafeRawBufferPointer)
    /// Its bytes in the stream.
    var record: [UInt8] { get }
    /// Its input's position (`InputReport.position`).
    var position: UInt64 { get set }
}

extension PositionedStreamRecord {
    /// What `stream` keeps, positions moved by `shift`; a record that is not one is damage,
    /// said by `damage` (of its bytes).
    static func load(
        from database: StateDatabase, stream: String, shift: UInt64, damage: (UnsafeRawBufferPointer) -> String
    ) throws -> [Self] {
        var all: [Self] = []
        try StateRecords.forEach(database, name: stream) { bytes in
            guard var record = Self(record: bytes) else {
                throw StateError.damaged(path: database.path, reason: "stream \(stream): \(damage(bytes))")
            }
            record.position &+= shift
            all.append(record)
        }
        return all
    }

    /// Replaces what `stream` keeps with `records` (inside the caller's transaction).
    static func save(_ records: [Self], to database: StateDatabase, stream: String) throws {
        try database.removeChunks(name: stream, scope: "")
        try StateRecords.write(records.lazy.map(\.record), to: database, name: stream)
    }
}

extension InputReport: PositionedStreamRecord {}
