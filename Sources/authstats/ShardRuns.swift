import AuthStatsCore
import AuthStatsState
import Foundation

/// What the shard runs of a sharded run read, kept in their states and carried by the merge
/// (`docs/distributed.md` "Rejects and read totals"): the reports of a merged state count the
/// shards' inputs, records, skips and rejects as one run over all the inputs would, and its
/// `rejects.ndjson` holds their rejected records in input order. Until 2026-12-05 a shard's
/// rejects went with its staging folder, and the merged reports said 0 rejected.
///
/// Kept in the meta table (`metaName`, the counts as text) and one stream (`stream`: the
/// rejects kept, a record each: its input's position and its line), written with the
/// batch they describe; a later batch of a nightly run removes both (its reports describe
/// its own reading).
struct ShardRuns: Equatable {
    static let metaName = "shard_runs"
    static let stream = "shard_rejects"

    var shards = 0
    var inputs = 0
    var records = 0
    var skipped = 0
    var rejected = 0
    /// Inputs read only in part, or not at all.
    var partial = 0
    var failed = 0
    /// The smallest `--max-rejects` of the shards that found more rejects than that (`.max`:
    /// none did): the merged list is exact, the first rejects of the whole listing, up to it.
    var limit = Int.max
    /// The rejects kept, in input order: each one's input position (the plan's index) and its
    /// `rejects.ndjson` line (with its line break); and last, when the run kept only some of
    /// its rejects, a gap mark (`Reject.isGap`).
    var rejects: [Reject] = []

    /// `count` of the records the shard runs skipped, events `--pinpoint-parity` left out, were
    /// found at the merge to be copies of others (`Analysis.unlistedLeftOutCopies`): duplicates
    /// now, skipped no more, so that records = events + duplicates + skipped + rejected.
    mutating func countAsDuplicates(leftOutCopies count: Int) { skipped -= count }

    struct Reject: Equatable, PositionedStreamRecord {
        var position: UInt64
        var line: [UInt8]

        init(position: UInt64, line: [UInt8]) {
            self.position = position
            self.line = line
        }

        /// A mark, not a reject: the list it ends holds every reject of its inputs before
        /// `position` and, at `position`, a first part of that input's (since 2026-12-07: a
        /// list cut by `--max-rejects-bytes` can end inside one input, and the inputs of other
        /// runs after it must not follow in a merged list). An empty line, which no reject has.
        static func gap(at position: UInt64) -> Reject { Reject(position: position, line: []) }

        var isGap: Bool { line.isEmpty }

        /// `rejects` (in input order, gap marks among them) as one list: the lines up to the
        /// earliest mark, at most `limit` of them, and that mark.
        static func cut(_ rejects: some Sequence<Reject>, limit: Int = .max) -> [Reject] {
            let gap = rejects.lazy.filter(\.isGap).map(\.position).min()
            var out = Array(rejects.lazy.filter { !$0.isGap && $0.position <= (gap ?? .max) }.prefix(limit))
            if let gap { out.append(.gap(at: gap)) }
            return out
        }

        /// As a state's stream keeps it: the input's position (8 bytes, little-endian), then
        /// the line.
        var record: [UInt8] { withUnsafeBytes(of: position.littleEndian, Array.init) + line }

        /// The reject `record` made these bytes from (nil: fewer than 8).
        init?(record: UnsafeRawBufferPointer) {
            guard record.count >= 8 else { return nil }
            self.init(position: UInt64(littleEndian: record.loadUnaligned(as: UInt64.self)), line: Array(record[8...]))
        }

        /// The rejects a state's `stream` keeps (a shard's, or those not yet reported), their
        /// positions moved by `shift` (a merge's placing of the state).
        static func load(from database: StateDatabase, stream: String, shift: UInt64 = 0) throws -> [Reject] {
            try load(from: database, stream: stream, shift: shift) { "a record of \($0.count) bytes" }
        }
    }

    /// A shard run's: its inputs as `summary.json` would list them, and the rejects its
    /// `RejectsFile` kept (with `--max-rejects`, `limit`; and its gap mark, if any).
    init(inputs: [InputReport], rejects: [Reject], limit: Int) {
        let counts = InputReport.Counts(inputs)
        shards = 1
        self.inputs = inputs.count
        records = counts.records
        skipped = counts.skipped
        rejected = counts.rejected
        partial = inputs.filter { $0.status == .partial }.count
        failed = inputs.filter { $0.status == .failed }.count
        // A run that kept every reject it found cuts nothing, whatever its limit.
        self.limit = rejected <= limit ? .max : limit
        self.rejects = Reject.cut(rejects, limit: limit)
    }

    private init() {}

    /// An earlier nightly run's reading not yet reported (`UnreportedReading`), as
    /// `combined` adds it to shard runs': counted, no shard of its own, its rejects uncut.
    init(unreported reading: UnreportedReading) {
        self.init(inputs: reading.inputs, rejects: reading.rejects, limit: .max)
        shards = 0
    }

    /// What `summary.json` and the page say of them.
    var totals: SummaryWriter.ShardRuns {
        SummaryWriter.ShardRuns(
            shards: shards, inputs: inputs, records: records, skipped: skipped, rejected: rejected, partial: partial, failed: failed,
            rejectsKept: rejects.count { !$0.isGap })
    }

    /// The counts that add up, by their names in the meta table's text.
    private static var sums: [(name: String, count: WritableKeyPath<ShardRuns, Int>)] {
        [("shards", \.shards), ("inputs", \.inputs), ("records", \.records), ("skipped", \.skipped), ("rejected", \.rejected),
         ("partial", \.partial), ("failed", \.failed)]
    }

    /// What the meta table's text holds: the sums, and the limit (-1 for none).
    private static var counts: [(name: String, count: WritableKeyPath<ShardRuns, Int>)] { sums + [("limit", \.storedLimit)] }

    /// `limit` as the meta table keeps it: -1 for none.
    private var storedLimit: Int {
        get { limit == .max ? -1 : limit }
        set { limit = newValue < 0 ? .max : newValue }
    }

    /// The counts as the meta table keeps them: `shards=8 inputs=503 …`.
    var text: String { Self.counts.map { "\($0.name)=\(self[keyPath: $0.count])" }.joined(separator: " ") }

    /// Several shard runs as one: counts summed, rejects in input order (each input is one
    /// shard's, its rejects in the order read), cut at the smallest limit and at the earliest
    /// gap mark: one sort of them all, not a merge per state (tens of thousands of states).
    static func combined(_ all: [ShardRuns]) -> ShardRuns {
        var sum = ShardRuns()
        for runs in all {
            for (_, count) in sums { sum[keyPath: count] += runs[keyPath: count] }
            sum.limit = min(sum.limit, runs.limit)
        }
        sum.rejects = Reject.cut(all.lazy.flatMap(\.rejects).sortedStably(by: \.position), limit: sum.limit)
        return sum
    }

    /// The shard runs `database` keeps (nil: none, a state whose last batch read its own
    /// inputs), their positions moved by `shift` (a merge's placing of the state).
    static func load(from database: StateDatabase, shift: UInt64 = 0) throws -> ShardRuns? {
        guard let text = try database.meta(metaName), !text.isEmpty else { return nil }
        var runs = ShardRuns()
        var seen = Set<String>()
        for field in text.split(separator: " ") {
            let pair = field.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, let value = Int(pair[1]) else { throw StateError.damaged(path: database.path, reason: "meta \(metaName) reads '\(text)'") }
            // (A name this build does not know is a later authstats's count.)
            guard let count = counts.first(where: { $0.name == pair[0] })?.count else { continue }
            runs[keyPath: count] = value
            seen.insert(String(pair[0]))
        }
        guard seen.count == counts.count else { throw StateError.damaged(path: database.path, reason: "meta \(metaName) reads '\(text)'") }
        runs.rejects = try Reject.load(from: database, stream: stream, shift: shift)
        return runs
    }

    /// Writes the counts and the rejects into `database` (inside the caller's transaction),
    /// replacing what it kept.
    func save(to database: StateDatabase) throws {
        try database.setMeta(Self.metaName, text)
        try Reject.save(rejects, to: database, stream: Self.stream)
    }

    /// Removes the counts and the rejects from `database` (a batch that read its own inputs).
    static func clear(in database: StateDatabase) throws {
        try database.setMeta(metaName, "")
        try Reject.save([], to: database, stream: stream)
    }
}
