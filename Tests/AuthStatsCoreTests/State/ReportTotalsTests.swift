@testable import AuthStatsCore
import AuthStatsTestSupport
import Foundation
import Testing

/// `ReportTotals` (`docs/state.md` "Reports without restoring"): the distinct-user columns
/// summed over users, kept by the state and changed by each night through the users its batch
/// touches only. Reports from them must equal `ReportBuilder`'s from the whole data.
@Suite struct ReportTotalsTests {
    static func analysis(_ streams: [(String, [UInt8])], batch: Int = 1) throws -> Analysis {
        let analysis = try StateBatchTests.analysis(timeZone: "UTC", batch: batch, segments: nil, sessionRows: false)
        StateBatchTests.read(streams, into: analysis)
        return analysis
    }

    /// The totals of `analysis`'s users, as a restore of some users builds them.
    static func totals(_ analysis: Analysis, axis: DayRange) -> ReportTotals {
        analysis.finishReading()
        return ReportTotals.build(analysis.accumulator, axis: axis, sessions: analysis.sessionStats)
    }

    @Test("the reports from the totals of all the data equal ReportBuilder's, windows, retention and breakdowns included")
    func reportsFromTotalsEqualTheBuilders() throws {
        let streams = StateBatchTests.streams()
        let run = StateBatchTests.whole(streams, timeZone: "UTC")
        let analysis = try Self.analysis(streams)
        let reports = analysis.reports()
        #expect(reports == run.reports)
        let totals = try #require(analysis.reportTotals())
        let data = try #require(analysis.accumulator.dayBounds)
        var fromTotals = totals.reports(analysis.accumulator, range: data, dimensions: Dimension.reported(withProjects: false))
        ReportBuilder.addSessions(totals.sessions, to: &fromTotals)
        #expect(fromTotals == reports)
        // Not vacuous: the data has windows, cohorts with every target and several values.
        #expect(reports.retention.contains { $0.retainedD30 != nil } && reports.breakdown.count > 100)
        // A run that keeps totals builds its tables through them: the same tables, the same totals.
        var configuration = analysis.configuration
        configuration.keepsReportTotals = true
        let keeping = Analysis(configuration: configuration, rejects: RejectCollector())
        StateBatchTests.read(streams, into: keeping)
        #expect(keeping.reports() == reports)
        #expect(keeping.reportTotals() == totals)
    }

    @Test("totals of two sets of users add up to those of all; subtracting one set gives the other's, zero entries dropped")
    func totalsAddAndSubtract() throws {
        let streams = StateBatchTests.streams(days: 40)
        let all = try Self.analysis(streams)
        let data = try #require(all.accumulator.dayBounds)
        let axis = ReportTotals.axis(of: data)
        // The users split by their hashes' low bit: each part's events alone.
        let whole = Self.totals(all, axis: axis)
        var parts: [ReportTotals] = []
        for bit in [0, 1] as [UInt64] {
            let lines = streams.map { name, bytes in
                (name, Array(String(decoding: bytes, as: UTF8.self).split(separator: "\n").filter { line in
                    guard let range = line.range(of: "\"UserId\":\""), let end = line[range.upperBound...].firstIndex(of: "\"") else { return false }
                    return UserID(String(line[range.upperBound..<end])).hash & 1 == bit
                }.joined(separator: "\n").utf8))
            }
            parts.append(Self.totals(try Self.analysis(lines), axis: axis))
        }
        var sum = parts[0]
        sum.add(parts[1], sign: 1)
        #expect(sum == whole)
        var difference = whole
        difference.add(parts[1], sign: -1)
        #expect(difference == parts[0])
        // Over a wider stretch (a later night's), the same totals moved.
        var wider = parts[0]
        wider.add(Self.totals(try Self.analysis([]), axis: DayRange(first: data.first.advanced(by: -3), last: axis.last.advanced(by: 5))), sign: 1)
        #expect(wider.axis.first == data.first.advanced(by: -3))
        let moved = wider.reports(all.accumulator, range: data, dimensions: Dimension.reported(withProjects: false))
        #expect(moved == parts[0].reports(all.accumulator, range: data, dimensions: Dimension.reported(withProjects: false)))
    }

    @Test("the totals read back from a state equal those written; another layout or none is nil; damage is refused")
    func roundTrip() throws {
        let analysis = try Self.analysis(StateBatchTests.streams(days: 20))
        _ = analysis.reports()
        let totals = try #require(analysis.reportTotals())
        let state = MemoryStateChunks()
        #expect(try ReportTotals.load(from: state) == nil)
        #expect(try ReportTotals.stamp(in: state) == nil)
        try totals.save(to: state, stamp: 7)
        let loaded = try #require(try ReportTotals.load(from: state))
        #expect(loaded.stamp == 7)
        // The stamp alone, from the header (what a night checks before loading them).
        #expect(try ReportTotals.stamp(in: state) == 7)
        #expect(loaded.totals == totals)
        // Written again: replaced, not appended.
        try totals.save(to: state, stamp: 8)
        #expect(try ReportTotals.load(from: state)?.stamp == 8)
        #expect(try ReportTotals.stamp(in: state) == 8)
        // A flipped byte fails the chunk's checksum.
        var chunks: [[UInt8]] = []
        try state.forEachChunk(name: ReportTotals.stream, scope: "") { chunks.append($0) }
        chunks[0][20] ^= 0x40
        let damaged = MemoryStateChunks()
        for (seq, chunk) in chunks.enumerated() { try damaged.appendChunk(name: ReportTotals.stream, scope: "", seq: seq, chunk) }
        #expect(throws: StateFormatError.self) { try ReportTotals.load(from: damaged) }
        #expect(throws: StateFormatError.self) { try ReportTotals.stamp(in: damaged) }
        // Damage past the first chunk: the stamp still reads (a night then loads the totals,
        // which fails, and does not use them), the totals do not.
        let pastHeader = MemoryStateChunks()
        var seq = 0
        try state.forEachChunk(name: ReportTotals.stream, scope: "") { chunk in
            try pastHeader.appendChunk(name: ReportTotals.stream, scope: "", seq: seq, chunk)
            seq += 1
        }
        try pastHeader.appendChunk(name: ReportTotals.stream, scope: "", seq: seq, [UInt8](repeating: 0, count: 64))
        #expect(try ReportTotals.stamp(in: pastHeader) == 8)
        #expect(throws: StateFormatError.self) { try ReportTotals.load(from: pastHeader) }
        // Another layout (a later authstats's) is not read: nil, so the run reads the whole state.
        let later = MemoryStateChunks()
        var writer = try StateStreamWriter(later, name: ReportTotals.stream, scope: "")
        try writer.add([0, UInt8(ReportTotals.layout + 1), 7])
        try writer.finish()
        #expect(try ReportTotals.load(from: later) == nil)
        #expect(try ReportTotals.stamp(in: later) == nil)
        // Even when its header is shorter than ours.
        let shorter = MemoryStateChunks()
        var short = try StateStreamWriter(shorter, name: ReportTotals.stream, scope: "")
        try short.add([0, UInt8(ReportTotals.layout + 1)])
        try short.finish()
        #expect(try ReportTotals.load(from: shorter) == nil)
        #expect(try ReportTotals.stamp(in: shorter) == nil)
        // And an earlier one (1: the header's users and sessions not zigzag-coded).
        let earlier = MemoryStateChunks()
        var old = try StateStreamWriter(earlier, name: ReportTotals.stream, scope: "")
        try old.add([0, 1, 7])
        try old.finish()
        #expect(try ReportTotals.load(from: earlier) == nil)
        #expect(try ReportTotals.stamp(in: earlier) == nil)
        // A stream whose first record is not a header is damage.
        let headless = MemoryStateChunks()
        var cut = try StateStreamWriter(headless, name: ReportTotals.stream, scope: "")
        try cut.add([1, 0, 0])
        try cut.finish()
        #expect(throws: StateFormatError.self) { try ReportTotals.stamp(in: headless) }
        #expect(throws: StateFormatError.self) { try ReportTotals.load(from: headless) }
        // Negative sums (never written, but not a crash) read back as written.
        var negative = totals
        negative.users = -3
        try negative.save(to: state, stamp: 9)
        #expect(try ReportTotals.load(from: state)?.totals.users == -3)
    }

    @Test("session durations read back per day as written: a later record of a duration wins, a day's records may come apart")
    func durationsPerDay() throws {
        let z = Varint.zigzag
        let (day, next) = (Day(year: 2026, month: 3, day: 1).index, Day(year: 2026, month: 3, day: 2).index)
        let state = MemoryStateChunks()
        var writer = try StateStreamWriter(state, name: ReportTotals.stream, scope: "")
        // The header (kind 0): layout, stamp, first day, days, users, sessions; then durations (kind 6):
        // day, seconds, sessions; a session day (kind 5) between.
        try writer.add(words: [0, ReportTotals.layout, 3, z(Int(day)), 2, z(10), z(6)])
        try writer.add(words: [6, z(Int(day)), z(5), z(1)])
        try writer.add(words: [6, z(Int(day)), z(60), z(2)])
        try writer.add(words: [5, z(Int(next)), z(1), z(1)])
        try writer.add(words: [6, z(Int(next)), z(30), z(1)])
        try writer.add(words: [6, z(Int(day)), z(5), z(4)])
        try writer.add(words: [6, z(Int(day)), z(9), z(3)])
        try writer.finish()
        let loaded = try #require(try ReportTotals.load(from: state)).totals
        #expect(loaded.sessions.days[day]?.durations == [5: 4, 60: 2, 9: 3])
        #expect(loaded.sessions.days[day]?.sessions == 0, "a day with durations and no session-day record")
        #expect(loaded.sessions.days[next]?.durations == [30: 1])
        #expect(loaded.sessions.days[next]?.sessions == 1)
        #expect(loaded.sessions.totalSessions == 6)
    }

    @Test(
        "carried from batch to batch through the users each batch touches, the totals give one run's reports",
        arguments: [("UTC", 2), ("UTC", 7), ("America/New_York", 7)])
    func carriedTotalsEqualOneRun(zone: String, batches: Int) throws {
        let streams = StateBatchTests.streams()
        let expected = StateBatchTests.whole(streams, timeZone: zone).reports
        for horizon in [nil, 35] as [Int?] {
            for compactEvery in [1, 3, 100] {
                let reports = try Self.carried(streams, batches: batches, zone: zone, horizon: horizon, compactEvery: compactEvery)
                #expect(reports == expected, "\(zone), \(batches) batches, horizon \(horizon.map(String.init) ?? "none"), every \(compactEvery)")
            }
        }
    }

    /// As `report --state` does with totals: the first batch written whole and its totals
    /// built; each later batch's users read from the state before and after the batch is
    /// appended, their totals then subtracted and added; the reports from the totals and the
    /// counters alone. A compaction leaves the totals as they are (it changes no report).
    static func carried(_ streams: [(String, [UInt8])], batches: Int, zone: String, horizon: Int?, compactEvery: Int) throws -> Reports {
        func analysis(_ batch: Int) throws -> Analysis {
            try StateBatchTests.analysis(timeZone: zone, batch: batch, segments: nil, sessionRows: false, spill: batch % 2 == 0)
        }
        let state = MemoryStateChunks()
        var newest: Day?
        func start(_ newest: Day?) -> Day? { horizon.flatMap { h in newest.map { $0.advanced(by: -(h - 1)) } } }
        let size = (streams.count + batches - 1) / batches
        var totals: ReportTotals?
        for batch in 0..<batches {
            let read = try analysis(batch + 1)
            StateBatchTests.read(streams.dropFirst(batch * size).prefix(size), into: read)
            if batch == 0 {
                newest = read.accumulator.dayBounds?.last
                try read.save(to: state, .whole(detailFrom: start(newest)))
                _ = read.reports()
                totals = read.reportTotals()
                continue
            }
            let delta = try analysis(batch + 1)
            try delta.restore(from: state, for: .batch, batch: read)
            let users = try analysis(batch + 1)
            let ends = try Analysis.UserStreamEnds(of: state)
            try users.restoreUsers(of: read, from: state)
            delta.merge(read)
            newest = [newest, delta.accumulator.dayBounds?.last].compactMap { $0 }.max()
            let stored = try #require(totals)
            let axis = delta.accumulator.dayBounds.map { stored.axis.union(ReportTotals.axis(of: $0)) } ?? stored.axis
            let before = users.userTotals(axis: axis)
            try delta.save(to: state, .batch(firstPosition: delta.configuration.firstPosition))
            try users.restoreUsers(of: read, from: state, after: ends)
            totals!.add(before, sign: -1)
            totals!.add(users.userTotals(axis: axis), sign: 1)
            if batch % compactEvery == 0 {
                let whole = try analysis(batch + 1)
                try whole.restore(from: state, for: .everything)
                try state.removeAllChunks()
                try whole.save(to: state, .whole(detailFrom: start(newest)))
            }
        }
        let counts = try analysis(batches + 1)
        try counts.restoreCounts(from: state)
        counts.useTotals(try #require(totals))
        return counts.reports()
    }
}
