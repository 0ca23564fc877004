import AuthStatsCore
import AuthStatsState

/// What the batches of a nightly state read whose reports are not yet written
/// (`docs/state.md` "A run stopped between its commit and its reports"): each input's
/// `summary.json` entry and the rejected records kept for `rejects.ndjson`. A batch commits
/// its own with it (added to any left by an earlier run), and the run removes them once its
/// reports are in place; a run that finds some lists them as read by it too, so a run stopped
/// after its commit loses no reject, and the next run's reports are those it would have
/// written. (Until 2026-12-06 such a batch's rejected records were in no file: the next run
/// skipped its inputs, and its `rejects.ndjson` held none of them.)
struct UnreportedReading: Equatable {
    static let inputsStream = "unreported_inputs"
    static let rejectsStream = "unreported_rejects"

    /// The entries, in input order (a batch's positions follow the batches before it).
    var inputs: [InputReport]
    /// The rejects kept (`--max-rejects` of the run that read them), in input order.
    var rejects: [ShardRuns.Reject]

    /// The reading kept in `database`; nil when none is (every batch's reports written).
    static func load(from database: StateDatabase) throws -> UnreportedReading? {
        var reading = UnreportedReading(inputs: [], rejects: [])
        try StateRecords.forEach(database, name: inputsStream) { record in
            guard let input = InputReport(record: record) else {
                throw StateError.damaged(path: database.path, reason: "stream \(inputsStream): a record that is not an input's entry")
            }
            reading.inputs.append(input)
        }
        try StateRecords.forEach(database, name: rejectsStream) { record in
            guard let reject = ShardRuns.Reject(record: record) else {
                throw StateError.damaged(path: database.path, reason: "stream \(rejectsStream): a record of \(record.count) bytes")
            }
            reading.rejects.append(reject)
        }
        return reading.inputs.isEmpty ? nil : reading
    }

    /// This reading, then `later`'s (read after it: higher positions).
    func then(_ later: UnreportedReading) -> UnreportedReading {
        UnreportedReading(inputs: inputs + later.inputs, rejects: rejects + later.rejects)
    }

    /// Writes it into `database` (inside the caller's transaction), replacing what it kept.
    func save(to database: StateDatabase) throws {
        try Self.clear(in: database)
        try StateRecords.write(inputs.lazy.map(\.record), to: database, name: Self.inputsStream)
        try StateRecords.write(rejects.lazy.map(\.record), to: database, name: Self.rejectsStream)
    }

    /// Removes what `database` keeps (inside the caller's transaction).
    static func clear(in database: StateDatabase) throws {
        try database.removeChunks(name: inputsStream, scope: "")
        try database.removeChunks(name: rejectsStream, scope: "")
    }
}
