@testable import AuthStatsCore
import Testing

@testable import AuthStatsHTML

/// The headline figures, breakdown groups, retention heat map, segments and inputs.
@Suite("report.html: sections")
struct SectionTests {
    static func daily(_ first: String, _ rows: [(signUps: Int, signIns: Int, failures: Int, active: Int, mau: Int)]) -> [DailyRow] {
        rows.enumerated().map { i, r in
            var row = DailyRow(date: Day(iso: first)!.advanced(by: i))
            row.signUps = r.signUps
            row.signIns = r.signIns
            row.authFailures = r.failures
            row.activeUsers = r.active
            row.mau30d = r.mau
            return row
        }
    }

    @Test("headline figures for the range")
    func headline() {
        let figures = Headline(Self.daily("2026-11-01", [(3, 12, 0, 10, 10), (3, 9, 2, 9, 15), (0, 3, 1, 4, 16)])).figures(previous: nil)
        #expect(figures.map(\.label) == [
            "Sign-ups", "Sign-ins", "Failure rate", "Daily active users", "Monthly active users", "Stickiness", "Sessions",
        ])
        #expect(figures.map(\.value) == ["6", "24", "11.1%", "7.7", "16", "47.9%", "0"])
        #expect(figures[2].detail == "3 failures of 27 attempts")
        #expect(figures[3].detail == "average; peak 10 on Nov 1")
        #expect(figures.allSatisfy { !$0.hasChange })
    }

    /// A rate's change is the difference of the two rates as shown (50.0% − 31.3%), so the
    /// three numbers a reader sees agree.
    @Test("changes against the previous period: percent for counts, points for rates, which way is better")
    func changes() {
        let now = Headline(Self.daily("2026-11-04", [(4, 10, 5, 10, 20), (0, 10, 5, 10, 20)]))
        let before = Headline(Self.daily("2026-11-02", [(2, 10, 0, 5, 10), (0, 6, 0, 5, 16)]))
        let figures = now.figures(previous: before)
        #expect(figures.map(\.change) == ["▲ 100.0%", "▲ 25.0%", "▲ 33.3 pp", "▲ 100.0%", "▲ 25.0%", "▲ 18.7 pp", ""])
        #expect(figures.map(\.direction) == ["better", "better", "worse", "better", "better", "better", "same"])
        #expect(figures[2].previous == "0.0%")
        #expect(figures[3].previous == "5.0")
        let same = now.figures(previous: now)
        #expect(same.prefix(6).allSatisfy { $0.change == "no change" && $0.direction == "same" })
        let fromZero = now.figures(previous: Headline(Self.daily("2026-11-02", [(0, 0, 0, 0, 0), (0, 0, 0, 0, 0)])))
        #expect(fromZero[0].change == "▲ from 0")
        let down = before.figures(previous: now)
        #expect(down[1].change == "▼ 20.0%" && down[1].direction == "worse")
        #expect(down[2].change == "▼ 33.3 pp" && down[2].direction == "better")
    }

    @Test("the previous period: the same length just before, only when the data reaches its first day")
    func previousRange() {
        let range = DayRange(first: Day(iso: "2026-11-02")!, last: Day(iso: "2026-11-06")!)
        let previous = HTMLReport.previousRange(of: range)
        #expect(previous.first.description == "2026-10-28" && previous.last.description == "2026-11-01")
        var accumulator = MetricsAccumulator()
        var reports = Reports(range: range)
        #expect(HTMLReport.previousPeriod(of: reports, accumulator: accumulator) == nil)
        func signIn(_ n: Int) -> Event {
            Event(
                time: 0, source: .pinpoint, kind: .signIn, user: "u\(n)", fingerprint: Fingerprint(fields: ["e\(n)"]),
                dimensions: DimensionValues())
        }
        accumulator.add(signIn(1), day: Day(iso: "2026-10-29")!)
        #expect(HTMLReport.previousPeriod(of: reports, accumulator: accumulator) == nil, "the data starts after 2026-10-28")
        accumulator.add(signIn(2), day: Day(iso: "2026-10-28")!)
        _ = accumulator.resolveDuplicates()
        let built = HTMLReport.previousPeriod(of: reports, accumulator: accumulator)
        #expect(built?.range == previous)
        #expect(built?.daily.map(\.signIns) == [1, 1, 0, 0, 0])
        #expect(built?.daily.map(\.activeUsers) == [1, 1, 0, 0, 0])
        reports.range = nil
        #expect(HTMLReport.previousPeriod(of: reports, accumulator: accumulator) == nil)
    }

    static func breakdownRows(_ values: [(String, String, Int)], dimension: AuthStatsCore.Dimension = .platform) -> [BreakdownRow] {
        values.map { day, value, events in
            var row = BreakdownRow(date: Day(iso: day)!, dimension: dimension, value: value)
            row.events = events
            row.signIns = 1
            return row
        }
    }

    @Test("breakdowns: the five values with the most events, the rest as Other; dimensions in a fixed order")
    func breakdowns() {
        let range = DayRange(first: Day(iso: "2026-11-01")!, last: Day(iso: "2026-11-02")!)
        var rows = Self.breakdownRows([
            ("2026-11-01", "a", 10), ("2026-11-01", "b", 9), ("2026-11-01", "c", 8), ("2026-11-01", "d", 7),
            ("2026-11-02", "e", 7), ("2026-11-02", "f", 1), ("2026-11-02", "g", 2), ("2026-11-02", "a", 1),
        ])
        rows += Self.breakdownRows([("2026-11-01", "pinpoint", 3)], dimension: .source)
        var attribute = BreakdownRow(date: Day(iso: "2026-11-02")!, dimension: .platform, value: "pro")
        attribute.attribute = "plan"
        attribute.events = 4
        rows.append(attribute)
        rows += Self.breakdownRows([("2026-11-03", "late", 100)])  // outside the range
        let charts = BreakdownCharts.charts(rows.sorted(by: BreakdownRow.precedes), range: range)
        #expect(charts.map(\.title) == ["Platform", "Source", "Attribute plan"])
        let platform = charts[0]
        // d and e tie at 7: by value.
        #expect(platform.legend.map(\.name) == ["a", "b", "c", "d", "e", "Other (2 values)"])
        #expect(platform.days.map(\.values) == ["10,9,8,7,0,0", "1,0,0,0,7,3"])
        #expect(platform.legend[0].detail == "11 events (24.4%), 2 sign-ins")
        #expect(platform.legend[5].color == "c-gray")
        #expect(charts[1].days.map(\.values) == ["3", "0"])
        #expect(charts[2].days.map(\.values) == ["0", "4"])
        #expect(platform.note == "platform in breakdown.csv: 7 values, 45 events")
        // Drawn over the two days, counted over a report range of three: "late" leads the
        // legend with no bar on the drawn days.
        let whole = DayRange(first: range.first, last: Day(iso: "2026-11-03")!)
        let counted = BreakdownCharts.charts(rows.sorted(by: BreakdownRow.precedes), range: range, over: whole)[0]
        #expect(counted.legend.map(\.name) == ["late", "a", "b", "c", "d", "Other (3 values)"])
        #expect(counted.days.map(\.values) == ["0,10,9,8,7,0", "0,1,0,0,0,10"])
        #expect(counted.note == "platform in breakdown.csv: 8 values, 145 events")
    }

    @Test("retention heat map: shares, ten shades, unknown targets marked")
    func retention() {
        var row = RetentionRow(cohort: Day(iso: "2026-10-28")!)
        row.size = 10
        row.retainedD1 = 4
        row.retainedD7 = 10
        row.returned7d = 0
        let table = RetentionTable([row])
        #expect(table.rows[0].cohort == "2026-10-28" && table.rows[0].size == "10")
        #expect(table.rows[0].cells.map(\.text) == ["40.0%", "100.0%", "·", "0.0%"])
        #expect(table.rows[0].cells.map(\.level) == ["h4", "h9", "na", "h0"])
        #expect(table.rows[0].cells[0].tip == "4 of 10 active on 2026-10-29 (day 1)")
        #expect(table.rows[0].cells[2].tip.contains("not known yet"))
    }

    @Test("segments: the table row and the active users per day, by name")
    func segments() {
        let range = DayRange(first: Day(iso: "2026-11-01")!, last: Day(iso: "2026-11-02")!)
        var pro = SegmentRow(segment: "pro", file: "pro.csv")
        pro.users = 1234
        let free = SegmentRow(segment: "free", file: "free.csv")
        var daily: [SegmentDailyRow] = []
        for (day, name, active) in [("2026-11-01", "pro", 3), ("2026-11-01", "free", 1), ("2026-11-02", "pro", 4), ("2026-11-02", "free", 0)] {
            var row = SegmentDailyRow(date: Day(iso: day)!, segment: name)
            row.activeUsers = active
            daily.append(row)
        }
        let section = SegmentsSection(segments: [pro, free], daily: daily, range: range)
        #expect(section.rows.map(\.name) == ["pro", "free"])
        #expect(section.rows[0].cells[0] == "1,234")
        #expect(section.rows[0].file == "segments/pro.csv")
        #expect(section.charts.map(\.title) == ["pro", "free"])
        #expect(section.charts.map { $0.days.map(\.values) } == [["3", "4"], ["1", "0"]])
        #expect(!section.hasNote)
    }

    @Test("two spellings of one name (café: U+00E9, e + U+0301) are two segment charts and two breakdown values, as in the tables")
    func exactText() {
        let range = DayRange(first: Day(iso: "2026-11-01")!, last: Day(iso: "2026-11-01")!)
        let (composed, decomposed) = ("caf\u{E9}", "cafe\u{301}")
        var daily: [SegmentDailyRow] = []
        for (name, active) in [(composed, 3), (decomposed, 0)] {
            var row = SegmentDailyRow(date: range.first, segment: name)
            row.activeUsers = active
            daily.append(row)
        }
        let section = SegmentsSection(
            segments: [SegmentRow(segment: composed, file: "a.csv"), SegmentRow(segment: decomposed, file: "b.csv")], daily: daily, range: range)
        #expect(section.charts.map { $0.days.map(\.values) } == [["3"], ["0"]])
        var rows: [BreakdownRow] = []
        for (value, events) in [(composed, 1), (decomposed, 2)] {
            var row = BreakdownRow(date: range.first, dimension: .appVersion, value: value)
            row.events = events
            rows.append(row)
        }
        let dimension = BreakdownCharts.dimensions(rows, range: range)[0]
        #expect(BreakdownCharts.ranked(dimension).map { Array($0.text.utf8) } == [Array(decomposed.utf8), Array(composed.utf8)])
    }

    @Test("inputs: totals, groups by format and status, skip reasons by count, broken inputs, the first rejects")
    func inputs() {
        var a = InputReport(path: "a.gz")
        a.format = "pinpoint"
        a.compression = "gzip"
        a.records = 5
        a.events = 4
        a.skipped = 1
        a.skipReasons = ["z reason": 1]
        var b = InputReport(path: "b.tar", member: "x.json")
        b.format = "pinpoint"
        b.compression = "gzip"
        b.container = "tar"
        b.status = .partial
        b.error = "broke at byte 9"
        b.records = 3
        b.rejected = 3
        b.skipReasons = ["a reason": 1, "z reason": 2]
        let rejects = (1...25).map { RejectedRecord(input: "b.tar", member: "x.json", record: $0, reason: "bad", raw: Array("r\($0)".utf8)) }
        let totals = HTMLReport.RunTotals(users: 2, signUps: 1, signIns: 2, authFailures: 0)
        let section = InputsSection(inputs: [a, b], totals: totals, rejects: rejects, maxRejects: 10_000)
        #expect(section.totals.map(\.value) == ["2", "8", "4", "0", "1", "3", "2", "1", "2", "0"])
        #expect(section.groups.map(\.status) == ["ok", "partial"])
        #expect(section.groups[1].cells == ["1", "3", "0", "0", "0", "3"])
        #expect(section.reasons.map(\.reason) == ["z reason", "a reason"])
        #expect(section.broken.map(\.location) == ["b.tar:x.json (tar)"])
        #expect(section.broken[0].error == "broke at byte 9")
        #expect(section.rejects.count == HTMLReport.rejectLimit)
        #expect(section.rejects[0].location == "b.tar:x.json" && section.rejects[0].raw == "r1")
        #expect(section.rejectsNote == "3 rejected; rejects.ndjson holds 3; the first 20 below.")
        let limited = InputsSection(inputs: [a, b], totals: totals, rejects: rejects, maxRejects: 2)
        #expect(limited.rejects.count == 2)
        #expect(limited.rejectsNote == "3 rejected; rejects.ndjson holds 2 (--max-rejects 2); the first 2 below.")
        #expect(section.directory.isEmpty)
        // With --users: each file, and the users in all.
        let files = [
            SummaryWriter.DirectoryFile(path: "users.json", users: 1_200, skipped: 0, error: nil),
            SummaryWriter.DirectoryFile(path: "more.json", users: 3, skipped: 2, error: "a pagination token on its last page"),
        ]
        let listed = InputsSection(inputs: [a], totals: totals, rejects: [], maxRejects: 10, directory: (files, 1_203))
        #expect(listed.directory == [
            InputsSection.DirectoryFile(path: "users.json", users: "1,200", skipped: "0", status: "ok", error: ""),
            InputsSection.DirectoryFile(path: "more.json", users: "3", skipped: "2", status: "partial", error: "a pagination token on its last page"),
        ])
        #expect(listed.directoryNote == "1,203 users listed in 2 files; 1 read only in part (the run's exit status is 1).")
    }

    @Test("the page lists at most 50 skip reasons (withheld like rejects) and 500 inputs not read to the end, each with a note; fewer, no note")
    func listsBounded() {
        var skipping = InputReport(path: "trail.json")
        skipping.format = "cloudtrail"
        for i in 0..<60 { skipping.skipReasons["reason \(i) " + String(repeating: "x", count: i)] = 100 - i }
        skipping.skipReasons["a CloudTrail record of ann@example.com"] = 1_000
        let broken = (0..<600).map { i -> InputReport in
            var input = InputReport(path: "part-\(i).gz")
            input.status = .partial
            input.error = "cut"
            return input
        }
        let totals = HTMLReport.RunTotals(users: 0, signUps: 0, signIns: 0, authFailures: 0)
        let section = InputsSection(inputs: [skipping] + broken, totals: totals, rejects: [], maxRejects: 10)
        #expect(section.reasons.count == InputsSection.reasonLimit)
        #expect(section.reasons[0].reason == "a CloudTrail record of (withheld)")
        #expect(section.reasonsNote == "The 50 most frequent of 61 reasons; summary.json gives each input's.")
        #expect(section.broken.count == InputsSection.listLimit)
        #expect(section.broken.last?.location == "part-499.gz")
        #expect(section.brokenNote == "The first 500 of 600 inputs not read to the end; summary.json lists them all.")
        let small = InputsSection(inputs: [broken[0]], totals: totals, rejects: [], maxRejects: 10)
        #expect(small.reasonsNote.isEmpty && small.brokenNote.isEmpty && small.broken.count == 1)
    }

    @Test("a breakdown legend shows a value's first 40 characters, and the chart's note says values are cut (five of 100 KB made a 45 MB page)")
    func longValuesCut() {
        let first = Day(iso: "2026-11-01")!
        let long = String(repeating: "v", count: 100_000)
        var rows: [BreakdownRow] = []
        for value in [long, "1.0"] {
            var row = BreakdownRow(date: first, dimension: .appVersion, value: value)
            row.events = 3
            rows.append(row)
        }
        rows.sort(by: BreakdownRow.precedes)
        let charts = BreakdownCharts.charts(rows, range: DayRange(first: first, last: first))
        let names = charts[0].legend.map(\.name)
        #expect(names.contains(String(repeating: "v", count: 40) + "…"))
        #expect(names.contains("1.0"))
        #expect(charts[0].note.hasSuffix("; values longer than 40 characters are cut here (breakdown.csv has them whole)"))
        // Cut by Unicode scalars: one character can carry 30,000 combining marks.
        var marked = BreakdownRow(date: first, dimension: .appVersion, value: "v0" + String(repeating: "\u{301}", count: 30_000))
        marked.events = 1
        let cutMarks = BreakdownCharts.charts([marked], range: DayRange(first: first, last: first))[0].legend[0].name
        #expect(cutMarks.unicodeScalars.count == 41 && cutMarks.hasSuffix("…"))
        var short = BreakdownRow(date: first, dimension: .appVersion, value: "2.0")
        short.events = 1
        #expect(!BreakdownCharts.charts([short], range: DayRange(first: first, last: first))[0].note.contains("cut"))
    }

    @Test("the headline's peak day names its year when the days run over more than one year")
    func peakYear() {
        func rows(_ days: [String]) -> [DailyRow] {
            days.enumerated().map { i, day in
                var row = DailyRow(date: Day(iso: day)!)
                row.activeUsers = i + 1
                return row
            }
        }
        let one = Headline(rows(["2026-01-01", "2026-03-04"])).figures(previous: nil)
        #expect(one.contains { $0.detail.contains("peak 2 on Mar 4") && !$0.detail.contains("2026") })
        let two = Headline(rows(["2025-12-31", "2026-03-04"])).figures(previous: nil)
        #expect(two.contains { $0.detail.contains("peak 2 on Mar 4 2026") })
    }
}
