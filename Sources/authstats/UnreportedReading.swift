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

    /// The reading kept in `database`, its positions moved by `shift` (a merge's placing of
    /// the state); nil when none is (every batch's reports written).
    static func load(from database: StateDatabase, shift: UInt64 = 0) throws -> UnreportedReading? {
        let inputs = try InputReport.load(from: database, stream: inputsStream, shift: shift) { _ in "a record that is not an input's entry" }
        guard !inputs.isEmpty else { return nil }
        return UnreportedReading(inputs: inputs, rejects: try ShardRuns.Reject.load(from: database, stream: rejectsStream, shift: shift))
    }

    /// This reading, then `later`'s (read after it: higher positions).
    func then(_ later: UnreportedReading) -> UnreportedReading {
        UnreportedReading(inputs: inputs + later.inputs, rejects: rejects + later.rejects)
    }

    /// Writes it into `database` (inside the caller's transaction), replacing what it kept.
    func save(to database: StateDatabase) throws {
        try InputReport.save(inputs, to: database, stream: Self.inputsStream)
        try ShardRuns.Reject.save(rejects, to: database, stream: Self.rejectsStream)
    }

    /// Removes what `database` keeps (inside the caller's transaction).
    static func clear(in database: StateDatabase) throws { try UnreportedReading(inputs: [], rejects: []).save(to: database) }
}
