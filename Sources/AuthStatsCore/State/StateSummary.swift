/// What a nightly state holds, counted from its streams without rebuilding an analysis
/// (`authstats state info`).
public struct StateSummary: Sendable, Equatable {
    public var events = 0
    public var duplicates = 0
    public var users = 0
    /// Days with an event, and the first and last of them.
    public var days = 0
    public var firstDay: Day?
    public var lastDay: Day?
    /// Event-level detail of the horizon: fingerprints and session records (frozen sessions apart).
    public var fingerprints = 0
    public var sessionEvents = 0
    public var frozenSessions = 0
    /// `--by-project` analyses held.
    public var projects: [String] = []

    public init() {}

    /// The streams of scope "" that `read` reads, and so checks.
    static var readStreams: Set<String> {
        typealias Stream = Analysis.Stream
        return Set([Stream.totals, Stream.users, Stream.counters, Stream.sessions] + Stream.allFingerprints)
    }

    /// Reads every chunk of the streams `names` in every scope, each checked as any read checks
    /// it (checksum, numbering, record lengths): `state info`'s promise to find damage anywhere,
    /// also in the streams no summary figure comes from (activity, profiles, report totals).
    /// Those that `read` has read already (`readStreams`, the largest) are passed over: a second
    /// pass would double `state info`'s time on a big state.
    public static func checkEveryChunk(_ source: any StateChunkSource, names: [String]) throws {
        let read = readStreams
        for name in names {
            for scope in try source.scopes(of: name) where !(scope.isEmpty && read.contains(name)) {
                try StateStreamReader.forEach(source, name: name, scope: scope) { _ in }
            }
        }
    }

    /// Reads the run's own streams (scope "", `readStreams`) and lists the projects' scopes.
    /// `sessionRows`: whether the session records are named or compact (`NightlyState`
    /// "session_rows").
    public static func read(_ source: any StateChunkSource, sessionRows: Bool = true) throws -> StateSummary {
        typealias Stream = Analysis.Stream
        var summary = StateSummary()
        try StateStreamReader.forEachWords(source, name: Stream.totals, scope: "", count: 2) { w in
            summary.events += Int(truncatingIfNeeded: w[0])
            summary.duplicates += Int(truncatingIfNeeded: w[1])
        }
        // A batch appends the users of its own events: some are in earlier batches too.
        var users = Set<UInt64>()
        try StateStreamReader.forEachWords(source, name: Stream.users, scope: "", count: 1) { users.insert($0[0]) }
        summary.users = users.count
        var days = Set<Int32>()
        try StateStreamReader.forEachWords(source, name: Stream.counters, scope: "", count: 6) { w in
            if w[5] > 0 { days.insert(Int32(truncatingIfNeeded: Int64(bitPattern: w[0]))) }
        }
        summary.days = days.count
        summary.firstDay = days.min().map { Day(index: $0) }
        summary.lastDay = days.max().map { Day(index: $0) }
        for name in Stream.allFingerprints {
            try StateStreamReader.forEach(source, name: name, scope: "") { _ in summary.fingerprints += 1 }
        }
        try StateStreamReader.forEach(source, name: Stream.sessions, scope: "") { raw in
            if SessionRecordView(raw, compact: !sessionRows)?.sessionKey == SessionRecord.frozenKey { summary.frozenSessions += 1 } else { summary.sessionEvents += 1 }
        }
        summary.projects = try source.scopes(of: Stream.totals).filter { $0.hasPrefix("project/") }.map { String($0.dropFirst(8)) }
        return summary
    }
}
