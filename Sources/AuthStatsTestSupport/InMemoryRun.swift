import Foundation
import AuthStatsCore

/// Collects rejected records in memory (from any thread).
public final class RejectCollector: RejectSink, @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [RejectedRecord] = []
    public init() {}
    public var records: [RejectedRecord] {
        lock.lock()
        defer { lock.unlock() }
        return collected
    }
    public func reject(_ record: RejectedRecord) {
        lock.lock()
        collected.append(record)
        lock.unlock()
    }
}

/// The result of running the pipeline over in-memory streams.
public struct InMemoryRun {
    public var reports: Reports
    public var inputs: [InputReport]
    public var rejects: [RejectedRecord]
    public var accumulator: MetricsAccumulator
    /// Every session, by user then start.
    public var sessions: [Session]
    /// With `--by-project`: each project's id and reports.
    public var projects: [(id: String, reports: Reports, analysis: Analysis)] = []
    /// With `--pinpoint-parity`: the events left out, by reason.
    public var parityLeftOut: [ParityReason: Int] = [:]
    /// With segments: each segment's member export, header first, as cells.
    public var memberExports: [[[String]]] = []

    /// Runs stages 2–5 on `streams` (name, bytes), each fed in chunks of `chunkSize` bytes.
    /// Session rows (`sessions`) are kept when `sessionRows` (default: with one shard).
    /// `cacheProfiles: false` makes every event's dimension values (no `ProfileCache`).
    public init(
        _ streams: [(String, [UInt8])], timeZone: String = "UTC", from: String? = nil, to: String? = nil,
        maxRecordBytes: Int = Analysis.Configuration.defaultMaxRecordBytes, chunkSize: Int = 1 << 20,
        dedupCapacity: Int = DuplicateFilter.defaultCapacity, spill: (any SpillStore)? = nil,
        directory: UserDirectory = UserDirectory(), sessionTimeout: String = "30m",
        sessionMemory: Int = SessionLog.defaultBudget, sessionShards: Int = 1, sessionRows: Bool? = nil,
        cacheProfiles: Bool = true, profiles: ProfileOptions = ProfileOptions(), authSources: Set<EventSource>? = nil,
        configure: (inout Analysis.Configuration) -> Void = { _ in }
    ) {
        let rows = sessionRows ?? (sessionShards == 1)
        let collector = RejectCollector()
        var configuration = Analysis.Configuration(
            timeZone: timeZone, from: from, to: to, maxRecordBytes: maxRecordBytes, dedupCapacity: dedupCapacity,
            sessionTimeout: sessionTimeout, sessionMemory: sessionMemory, sessionShards: sessionShards,
            sessionRows: rows)!
        configuration.cacheProfiles = cacheProfiles
        configuration.profiles = profiles
        configuration.authSources = authSources
        configure(&configuration)
        let analysis = Analysis(configuration: configuration, rejects: collector, spill: spill, directory: directory)
        for (name, bytes) in streams {
            let stream = analysis.beginStream(path: name, member: nil, compression: "none", container: nil)
            var offset = 0
            while offset < bytes.count {
                let end = min(bytes.count, offset + chunkSize)
                bytes[offset..<end].withUnsafeBytes { stream.read(bytes: $0) }
                offset = end
            }
            stream.end()
        }
        var sessions: [Session] = []
        reports = rows ? analysis.reports { sessions.append($0) } : analysis.reports()
        self.sessions = sessions
        inputs = analysis.inputs
        rejects = collector.records
        accumulator = analysis.accumulator
        parityLeftOut = analysis.parityLeftOut
        projects = analysis.configuration.byProject ? analysis.projectReports() : []
        if var exports = analysis.memberExports, let segments = profiles.segments {
            var tables = (0..<segments.count).map { [exports.header(segment: $0)] }
            exports.forEachRow { tables[$0].append($1) }
            memberExports = tables
        }
    }

    /// The accumulator of `streams` before duplicates across dedup windows are resolved
    /// (what a worker hands over to be merged).
    public static func unresolved(
        _ streams: [(String, [UInt8])], dedupCapacity: Int, spill: any SpillStore, firstPosition: Int = 0
    ) -> MetricsAccumulator {
        var accumulator = MetricsAccumulator(dedupCapacity: dedupCapacity, store: spill)
        var clock = DayClock(timeZone: TimeZone(identifier: "UTC")!)
        var scanner = JSONScanner(schema: RecordDecoder.schema)
        for (index, (_, bytes)) in streams.enumerated() {
            for line in bytes.split(separator: UInt8(ascii: "\n")) {
                Array(line).withUnsafeBytes { raw in
                    guard case .complete(let end) = scanner.scan(raw),
                        case .event(let event, _) = RecordDecoder().decode(raw, range: 0..<end, fields: scanner.fields)
                    else { return }
                    accumulator.add(event, day: clock.day(ofMillis: event.time), position: UInt64(firstPosition + index) << 24)
                }
            }
        }
        accumulator.settle()
        return accumulator
    }

    /// One stream of text.
    public init(text: String, timeZone: String = "UTC", from: String? = nil, to: String? = nil,
                maxRecordBytes: Int = Analysis.Configuration.defaultMaxRecordBytes, chunkSize: Int = 1 << 20) {
        self.init([("test.ndjson", Array(text.utf8))], timeZone: timeZone, from: from, to: to,
                  maxRecordBytes: maxRecordBytes, chunkSize: chunkSize)
    }

    /// Lines to events, one stream.
    public init(_ lines: [PinpointLine], timeZone: String = "UTC", from: String? = nil, to: String? = nil, sessionTimeout: String = "30m") {
        self.init([("test.ndjson", Array(lines.ndjson.utf8))], timeZone: timeZone, from: from, to: to, sessionTimeout: sessionTimeout)
    }

    /// The daily row of `date`.
    public func day(_ date: String) -> DailyRow? { reports.daily.first { $0.date.description == date } }

    /// The breakdown row of (`date`, `dimension`, `value`).
    public func breakdown(_ date: String, _ dimension: AuthStatsCore.Dimension, _ value: String) -> BreakdownRow? {
        reports.breakdown.first { $0.date.description == date && $0.dimension == dimension && $0.value == value }
    }

    /// All report files as text, keyed by name (for comparing whole runs).
    public var renderedTables: [String: String] {
        var out: [String: String] = [:]
        for table in reports.tables {
            var csv = ""
            CSVTableWriter.write(table, to: &csv)
            out[table.name + ".csv"] = csv
        }
        return out
    }
}
