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

        public init(version: String, generatedAt: String, timezone: String, maxRejects: Int = .max, authSources: [String]? = nil) {
            self.version = version
            self.generatedAt = generatedAt
            self.timezone = timezone
            self.maxRejects = maxRejects
            self.authSources = authSources
        }
    }

    public static func write(
        run: Run, reports: Reports, accumulator: MetricsAccumulator, inputs: [InputReport],
        to out: inout some TextOutputStream
    ) {
        var totals = MetricsAccumulator.Counters()
        for counters in accumulator.counters.values { totals.add(counters) }
        func sum(_ key: KeyPath<InputReport, Int>) -> Int { inputs.reduce(0) { $0 + $1[keyPath: key] } }

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
        let totalFields: [(String, Int)] = [
            ("inputs", inputs.count), ("records", sum(\.records)), ("events", run.stateTotals?.events ?? sum(\.events)),
            ("duplicates", run.stateTotals?.duplicates ?? sum(\.duplicates)), ("skipped", sum(\.skipped)), ("rejected", sum(\.rejected)),
            ("users", accumulator.userCount), ("sign_ups", totals.signUps), ("sign_ins", totals.signIns),
            ("auth_failures", totals.authFailures),
        ]
        out.write("  \"totals\": {" + totalFields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "},\n")
        // rejects.ndjson holds the first `maxRejects` in input order; the rest are only counted.
        let rejected = sum(\.rejected)
        let written = min(rejected, run.maxRejects)
        let limit = run.maxRejects == .max ? "null" : "\(run.maxRejects)"
        out.write("  \"rejects_file\": {\"limit\": \(limit), \"written\": \(written), \"omitted\": \(rejected - written)},\n")
        out.write("  \"auth_sources\": " + (run.authSources.map { "[" + $0.map(JSONText.quote).joined(separator: ", ") + "]" } ?? "null") + ",\n")
        if let leftOut = run.parityLeftOut {
            let reasons = ParityReason.allCases.dropFirst().map { "\(JSONText.quote($0.name)): \(leftOut[$0] ?? 0)" }
            out.write("  \"pinpoint_parity\": {\"left_out\": {" + reasons.joined(separator: ", ") + "}},\n")
        } else {
            out.write("  \"pinpoint_parity\": null,\n")
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
        for (index, input) in inputs.enumerated() {
            out.write(index == 0 ? "\n    " : ",\n    ")
            let fields: [String] = [
                "\"path\": \(JSONText.quote(input.path))",
                "\"member\": \(JSONText.quote(input.member))",
                "\"format\": \(JSONText.quote(input.format))",
                "\"compression\": \(JSONText.quote(input.compression))",
                "\"records\": \(input.records)",
                "\"events\": \(input.events)",
                "\"duplicates\": \(input.duplicates)",
                "\"skipped\": \(input.skipped)",
                "\"rejected\": \(input.rejected)",
                "\"status\": \(JSONText.quote(input.status.rawValue))",
                "\"error\": \(JSONText.quote(input.error))",
                "\"container\": \(JSONText.quote(input.container))",
                "\"skip_reasons\": {" + input.skipReasons.sorted { $0.key < $1.key }
                    .map { "\(JSONText.quote($0.key)): \($0.value)" }.joined(separator: ", ") + "}",
            ]
            out.write("{" + fields.joined(separator: ", ") + "}")
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
