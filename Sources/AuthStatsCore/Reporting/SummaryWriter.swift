/// Writes `summary.json` (`docs/reports.md` "summary.json"): the run's totals and one entry per
/// input stream.
public enum SummaryWriter {
    public struct Run: Sendable {
        public var version: String
        /// ISO 8601 time of the run: the one value that differs between identical runs.
        public var generatedAt: String
        public var timezone: String
        /// `--max-rejects`: how many rejects `rejects.ndjson` holds at most.
        public var maxRejects: Int

        /// `--auth-source`: the exports whose sign-ups, sign-ins and failures count (nil: all).
        public var authSources: [String]?
        /// `--pinpoint-parity`: the events left out, by reason (nil: the mode is off).
        public var parityLeftOut: [ParityReason: Int]?
        /// With `--state`: the events and duplicates of everything the state holds (every
        /// batch), which `totals` gives instead of the sums over this run's inputs, so that
        /// they equal one run's over all the inputs (`docs/state.md` "The invariant").
        public var stateTotals: (events: Int, duplicates: Int)?
        /// Reports from a state merged without some of its plan's shards (`--allow-missing`):
        /// what is missing. Written as `partial` only then.
        public var partial: String?
        /// Reports from the shards of a plan merged (`authstats merge`, or a state merged and
        /// reported without new input): what their runs read, in place of this run's inputs.
        public var shardRuns: ShardRuns?
        /// The rejects `rejects.ndjson` holds, as its writer cut them (by `--max-rejects`,
        /// `--max-rejects-bytes`, and what runs with their own options kept: a nightly run that
        /// lists an earlier run's unreported inputs, shard runs); nil: the first `maxRejects` of
        /// all the inputs'.
        public var rejectsKept: Int?
        /// `--max-rejects-bytes`: how many bytes `rejects.ndjson` holds at most.
        public var maxRejectsBytes = Int.max
        /// Whether `maxRejectsBytes` cut `rejects.ndjson` before `maxRejects` did.
        public var rejectsCutByBytes = false
        /// The `--users` files read, and the users listed (distinct `sub`s); nil without `--users`.
        public var directory: (files: [DirectoryFile], users: Int)?

        /// What this run read, of `inputs` (`Reading`).
        public func reading(of inputs: [InputReport]) -> Reading {
            Reading(inputs, stateTotals: stateTotals, shardRuns: shardRuns, maxRejects: maxRejects, rejectsKept: rejectsKept)
        }

        public init(version: String, generatedAt: String, timezone: String, maxRejects: Int = .max, authSources: [String]? = nil) {
            self.version = version
            self.generatedAt = generatedAt
            self.timezone = timezone
            self.maxRejects = maxRejects
            self.authSources = authSources
        }
    }

    /// One `--users` file as `summary.json`'s `user_directory` gives it: the users read from it
    /// (a `sub` listed twice counted twice), those skipped as malformed, and whether it was
    /// read in part (`partial`, with why: the run's exit status is then 1).
    public struct DirectoryFile: Sendable, Equatable {
        public var path: String
        public var users: Int
        public var skipped: Int
        public var error: String?

        public init(path: String, users: Int, skipped: Int, error: String?) {
            self.path = path
            self.users = users
            self.skipped = skipped
            self.error = error
        }
    }

    /// What the shard runs of a merged state read (`docs/distributed.md` "Rejects and read
    /// totals"): `totals`' inputs, records, skipped and rejected, and `shard_runs`.
    public struct ShardRuns: Sendable, Equatable {
        public var shards: Int
        public var inputs: Int
        public var records: Int
        public var skipped: Int
        public var rejected: Int
        /// Inputs read only in part, or not at all.
        public var partial: Int
        public var failed: Int
        /// The rejected records the shards kept, the first in input order.
        public var rejectsKept: Int

        public init(shards: Int, inputs: Int, records: Int, skipped: Int, rejected: Int, partial: Int, failed: Int, rejectsKept: Int) {
            self.shards = shards
            self.inputs = inputs
            self.records = records
            self.skipped = skipped
            self.rejected = rejected
            self.partial = partial
            self.failed = failed
            self.rejectsKept = rejectsKept
        }
    }

    /// What a run read, as `summary.json`'s totals and `rejects_file` and the page give it:
    /// its inputs' counts, with a state's events and duplicates (`Run.stateTotals`), or from
    /// the shards of a plan merged their runs' inputs, records, skips and rejects
    /// (`Run.shardRuns`); and how many rejects `rejects.ndjson` holds. One rule for both files.
    public struct Reading: Sendable, Equatable {
        public var inputs: Int
        public var counts: InputReport.Counts
        public var rejectsWritten: Int

        /// - Parameter rejectsKept: the rejects `rejects.ndjson` holds, as its writer cut them
        ///   (`Run.rejectsKept`); nil: the first `maxRejects` (of those the shard states kept).
        public init(
            _ inputs: [InputReport], stateTotals: (events: Int, duplicates: Int)?, shardRuns: ShardRuns?, maxRejects: Int,
            rejectsKept: Int? = nil
        ) {
            var counts = InputReport.Counts(inputs)
            if let stateTotals { (counts.events, counts.duplicates) = stateTotals }
            if let shardRuns { (counts.records, counts.skipped, counts.rejected) = (shardRuns.records, shardRuns.skipped, shardRuns.rejected) }
            self.inputs = shardRuns?.inputs ?? inputs.count
            self.counts = counts
            // The first `maxRejects` in input order (of those the shard states kept); the rest only counted.
            rejectsWritten = min(rejectsKept ?? shardRuns?.rejectsKept ?? counts.rejected, maxRejects)
        }
    }

    public static func write(
        run: Run, reports: Reports, accumulator: MetricsAccumulator, inputs: [InputReport],
        to out: inout some TextOutputStream
    ) {
        var totals = MetricsAccumulator.Counters()
        for counters in accumulator.counters.values { totals.add(counters) }

        out.write("{\n")
        out.write("  \"schema\": \"authstats.summary/1\",\n")
        out.write("  \"version\": \(JSONText.quote(run.version)),\n")
        out.write("  \"generated_at\": \(JSONText.quote(run.generatedAt)),\n")
        out.write("  \"timezone\": \(JSONText.quote(run.timezone)),\n")
        if let partial = run.partial { out.write("  \"partial\": \(JSONText.quote(partial)),\n") }
        if let range = reports.range {
            out.write("  \"range\": {\"from\": \"\(range.first)\", \"to\": \"\(range.last)\"},\n")
        } else {
            out.write("  \"range\": null,\n")
        }
        let read = run.reading(of: inputs)
        let counts = read.counts
        let totalFields: [(String, Int)] = [
            ("inputs", read.inputs), ("records", counts.records), ("events", counts.events), ("duplicates", counts.duplicates),
            ("skipped", counts.skipped), ("rejected", counts.rejected),
            ("users", accumulator.userCount), ("sign_ups", totals.signUps), ("sign_ins", totals.signIns),
            ("auth_failures", totals.authFailures),
        ]
        out.write("  \"totals\": {" + totalFields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "},\n")
        // rejects.ndjson holds the first `maxRejects` in input order that fit in `maxRejectsBytes`;
        // the rest are only counted.
        let limit = run.maxRejects == .max ? "null" : "\(run.maxRejects)"
        let maxBytes = run.maxRejectsBytes == .max ? "null" : "\(run.maxRejectsBytes)"
        out.write(
            "  \"rejects_file\": {\"limit\": \(limit), \"max_bytes\": \(maxBytes), \"written\": \(read.rejectsWritten), "
                + "\"omitted\": \(counts.rejected - read.rejectsWritten)},\n")
        if let shards = run.shardRuns {
            out.write("  \"shard_runs\": {\"shards\": \(shards.shards), \"partial\": \(shards.partial), \"failed\": \(shards.failed)},\n")
        }
        out.write("  \"auth_sources\": " + (run.authSources.map { "[" + $0.map(JSONText.quote).joined(separator: ", ") + "]" } ?? "null") + ",\n")
        if let leftOut = run.parityLeftOut {
            let reasons = ParityReason.allCases.dropFirst().map { "\(JSONText.quote($0.name)): \(leftOut[$0] ?? 0)" }
            out.write("  \"pinpoint_parity\": {\"left_out\": {" + reasons.joined(separator: ", ") + "}},\n")
        } else {
            out.write("  \"pinpoint_parity\": null,\n")
        }
        if let (files, users) = run.directory {
            // Only with --users: a cron run's trace of users skipped (they were warnings alone).
            let entries = files.map { file in
                "{\"path\": \(JSONText.quote(file.path)), \"users\": \(file.users), \"skipped\": \(file.skipped), "
                    + "\"status\": \"\(file.error == nil ? "ok" : "partial")\", \"error\": \(file.error.map(JSONText.quote) ?? "null")}"
            }
            out.write("  \"user_directory\": {\"users\": \(users), \"files\": [" + entries.joined(separator: ", ") + "]},\n")
        }
        let overlaps = accumulator.overlaps
        out.write("  \"overlaps\": [")
        for (index, overlap) in overlaps.enumerated() {
            out.write(index == 0 ? "\n    " : ",\n    ")
            let exports = overlap.exports.map { source, counts in
                "\(JSONText.quote(source)): {\"sign_ups\": \(counts.signUps), \"sign_ins\": \(counts.signIns), \"auth_failures\": \(counts.authFailures)}"
            }
            out.write("{\"date\": \"\(overlap.date)\", \"exports\": {" + exports.joined(separator: ", ") + "}}")
        }
        out.write(overlaps.isEmpty ? "],\n" : "\n  ],\n")
        out.write("  \"inputs\": [")
        // Each entry appended as bytes to one buffer, its members as a JSON table row's
        // (interpolated fields joined were ~50,000 instructions an input: 5,109 inputs took 3%
        // of a trail-and-activity run's CPU).
        let keys = JSONTableWriter.keyBytes([
            "path", "member", "format", "compression", "records", "events", "duplicates", "skipped", "rejected", "status",
            "error", "container",
        ])
        let skipReasons = JSONTableWriter.keyBytes(["skip_reasons"])[0]
        func textOrNull(_ value: String?) -> ReportTable.Cell { value.map(ReportTable.Cell.text) ?? .empty }
        var entry: [UInt8] = []
        for (index, input) in inputs.enumerated() {
            entry.removeAll(keepingCapacity: true)
            entry += (index == 0 ? "\n    {" : ",\n    {").utf8
            JSONTableWriter.appendMembers(
                keys: keys,
                [
                    .text(input.path), textOrNull(input.member), .text(input.format), .text(input.compression), .integer(input.records),
                    .integer(input.events), .integer(input.duplicates), .integer(input.skipped), .integer(input.rejected),
                    .text(input.status.rawValue), textOrNull(input.error), textOrNull(input.container),
                ], to: &entry)
            entry += ", ".utf8
            entry += skipReasons
            entry.append(UInt8(ascii: "{"))
            for (n, reason) in input.skipReasons.sorted(by: { $0.key < $1.key }).enumerated() {
                if n > 0 { entry += ", ".utf8 }
                JSONText.appendQuoted(reason.key, to: &entry)
                entry += ": ".utf8
                TableBytes.appendInteger(reason.value, to: &entry)
            }
            entry += "}}".utf8
            out.write(String(decoding: entry, as: UTF8.self))
        }
        out.write(inputs.isEmpty ? "]\n}\n" : "\n  ]\n}\n")
    }
}

extension RejectedRecord {
    /// One line of `rejects.ndjson`, newline included.
    public var ndjsonLine: String {
        var line = "{\"input\": \(JSONText.quote(input)), \"member\": \(JSONText.quote(member)), "
        line += "\"record\": \(record), \"reason\": \(JSONText.quote(reason)), "
        line += "\"raw\": \(JSONText.quote(String(decoding: raw, as: UTF8.self)))"
        if let truncatedFrom { line += ", \"raw_truncated_from\": \(truncatedFrom)" }
        return line + "}\n"
    }
}
