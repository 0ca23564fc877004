import AuthStatsCore
import Foundation

/// Counts rejects (the pipeline's quarantine), keeping them for comparison.
public final class CollectedRejects: RejectSink, @unchecked Sendable {
    private let lock = NSLock()
    public private(set) var records: [RejectedRecord] = []
    public init() {}
    public func reject(_ record: RejectedRecord) {
        lock.lock()
        records.append(record)
        lock.unlock()
    }
}

/// Everything a run produces that a reader can see, for comparing two runs of one input.
public struct RunOutput: Equatable {
    public var reports: Reports
    public var inputs: [InputReport]
    public var rejects: [RejectedRecord]
    public var sessions: [Session]
    /// Distinct users in any event (`summary.json`'s `users`).
    public var users: Int
    /// Every report as written (CSV, JSON, summary, rejects), when asked for.
    public var text: String?

    /// What differs from `other`, or nil when nothing does (for a property's message).
    public func difference(from other: RunOutput) -> String? {
        if reports != other.reports { return "reports: \(reports) against \(other.reports)" }
        if inputs != other.inputs { return "inputs: \(inputs) against \(other.inputs)" }
        if sessions != other.sessions { return "sessions: \(sessions) against \(other.sessions)" }
        if users != other.users { return "users: \(users) against \(other.users)" }
        if rejects != other.rejects { return "rejects: \(rejects) against \(other.rejects)" }
        if let text, let otherText = other.text, text != otherText {
            return "report text: \(text.debugDescription) against \(otherText.debugDescription)"
        }
        return nil
    }
}

public enum Pipeline {
    /// A configuration for fuzzing. The report range is the data's own (as by default on the
    /// command line) unless `AUTHSTATS_FUZZ_RANGE=YYYY-MM-DD..YYYY-MM-DD` fixes it: with days
    /// far apart in the data an open range can take gigabytes (issue 11, defect 1), which a
    /// campaign that hunts for other faults can keep out of its way.
    public static func configuration(maxRecordBytes: Int = Analysis.Configuration.defaultMaxRecordBytes)
        -> Analysis.Configuration
    {
        let range = ProcessInfo.processInfo.environment["AUTHSTATS_FUZZ_RANGE"]?.components(separatedBy: "..")
        var configuration = Analysis.Configuration(
            timeZone: "UTC", from: range?.first, to: range?.last, maxRecordBytes: maxRecordBytes,
            dedupCapacity: 64, sessionTimeout: "30m", sessionMemory: 1 << 16, sessionShards: 1)!
        // Small dedup window and session memory: they spill (in memory), so the merges run too.
        configuration.sessionRows = true
        return configuration
    }

    /// A new analysis with `configuration`; its spills go to memory.
    public static func analysis(_ configuration: Analysis.Configuration, rejects: CollectedRejects) -> Analysis {
        Analysis(configuration: configuration, rejects: rejects, spill: MemorySpillStore())
    }

    /// Ends the run: resolves duplicates and sessions, renders every report when `render`
    /// (the writers are fuzzed too; one rendering per input is enough), and checks that each
    /// record was counted exactly once (an event, a duplicate, a skip or a reject).
    public static func finish(_ analysis: Analysis, rejects: CollectedRejects, render: Bool = true) -> RunOutput {
        var sessions: [Session] = []
        let reports = analysis.reports { sessions.append($0) }
        var text: String?
        if render {
            var out = ""
            for table in reports.tables {
                CSVTableWriter.write(table, to: &out)
                JSONTableWriter.write(table, timezone: "UTC", to: &out)
            }
            SummaryWriter.write(
                run: SummaryWriter.Run(version: "fuzz", generatedAt: "-", timezone: "UTC"), reports: reports,
                accumulator: analysis.accumulator, inputs: analysis.inputs, to: &out)
            for reject in rejects.records { out += reject.ndjsonLine }
            text = out
        }
        for input in analysis.inputs {
            let counted = input.events + input.duplicates + input.skipped + input.rejected
            check(counted == input.records, "\(input.location): \(input.records) records, \(counted) counted: \(input)")
            check(input.events >= 0 && input.duplicates >= 0, "\(input.location): negative counts: \(input)")
        }
        let rejected = analysis.inputs.reduce(0) { $0 + $1.rejected }
        check(rejected == rejects.records.count, "\(rejected) rejected in the inputs, \(rejects.records.count) quarantined")
        return RunOutput(
            reports: reports, inputs: analysis.inputs, rejects: rejects.records, sessions: sessions,
            users: analysis.accumulator.userCount, text: text)
    }
}
