import AuthStatsTestSupport
import Testing

@testable import AuthStatsCore

@Suite("Daily, monthly and breakdown metrics (docs/metrics.md \"Daily\", \"Monthly\", \"Breakdown\"), hand-computed")
struct DailyMetricsTests {
    /// 2026-03-10: u1 signs in twice (one delivery duplicated) and starts a session on a
    /// second platform; two events without any user id; u2 views a page.
    let oneDay: [PinpointLine] = [
        PinpointLine("_userauth.sign_in", iso: "2026-03-10T10:00:00Z", user: "u1", client: "c1", platform: "ios"),
        PinpointLine("_userauth.sign_in", iso: "2026-03-10T10:00:00Z", user: "u1", client: "c1", platform: "ios"),
        PinpointLine("_session.start", iso: "2026-03-10T11:00:00Z", user: "u1", client: "c2", session: "s1", platform: "android"),
        PinpointLine("_userauth.auth_fail", iso: "2026-03-10T12:00:00Z", client: nil),
        PinpointLine("_userauth.sign_in", iso: "2026-03-10T12:05:00Z", client: nil),
        PinpointLine("pageView", iso: "2026-03-10T13:00:00Z", user: "u2", client: "c3", platform: "ios"),
    ]

    @Test("duplicates count once; events without a user id count as events but make no one active")
    func oneDayTotals() throws {
        let run = InMemoryRun(oneDay)
        let day = try #require(run.day("2026-03-10"))
        #expect(run.reports.daily.count == 1)
        #expect(day.signUps == 0)
        #expect(day.signIns == 2)
        #expect(day.authFailures == 1)
        #expect(day.events == 5)
        #expect(day.activeUsers == 2)
        #expect(day.newUsers == 2)
        #expect(day.wau7d == 2)
        #expect(day.mau30d == 2)
        #expect(day.stickiness.description == "1.0000")
        #expect(run.inputs[0].duplicates == 1)
        #expect(run.inputs[0].events == 5)
        #expect(run.accumulator.userCount == 2)
    }

    @Test("a user active on two platforms counts once under each")
    func twoPlatforms() throws {
        let run = InMemoryRun(oneDay)
        let ios = try #require(run.breakdown("2026-03-10", .platform, "ios"))
        #expect((ios.events, ios.signIns, ios.activeUsers) == (2, 1, 2))
        let android = try #require(run.breakdown("2026-03-10", .platform, "android"))
        #expect((android.events, android.signIns, android.activeUsers) == (1, 0, 1))
        let unknown = try #require(run.breakdown("2026-03-10", .platform, "(unknown)"))
        #expect((unknown.events, unknown.signIns, unknown.authFailures, unknown.activeUsers) == (2, 1, 1, 0))
        let source = try #require(run.breakdown("2026-03-10", .source, "pinpoint"))
        #expect((source.events, source.activeUsers) == (5, 2))
        #expect(run.reports.breakdown.map(\.dimension.name) == [
            "app_version", "client_id", "country", "locale", "platform", "platform", "platform", "source", "user_type",
        ])
    }

    /// `ReportBuilder` sorts its breakdown rows by a rank of the dimensions' names; the order
    /// must be `precedes`' (date, then name bytes, then value bytes) for every pair of
    /// dimensions, names that share a first letter (platform, project_id) and values that
    /// differ in case, length or beyond ASCII included.
    @Test("the breakdown's sort by dimension rank gives precedes' order")
    func breakdownOrder() {
        let values = ["", "(unknown)", "A", "a", "ab", "a\u{0}", "é", "e\u{301}", "Z", "zz", "10", "9", "日本"]
        var rows: [BreakdownRow] = []
        for day in [Day(index: 20_500), Day(index: 20_499), Day(index: 20_501)] {
            for dimension in Dimension.allCases {
                for value in values { rows.append(BreakdownRow(date: day, dimension: dimension, value: value)) }
            }
        }
        // Rows of one key twice, told apart by their counts: ties keep the order given.
        for (i, value) in ["a", "é", ""].enumerated() {
            var copy = BreakdownRow(date: Day(index: 20_500), dimension: .locale, value: value)
            copy.events = 100 + i
            rows.append(copy)
        }
        // A fixed shuffle, so that the input order is not already sorted.
        var generator = SystemRandomNumberGeneratorStandIn(seed: 42)
        rows.shuffle(using: &generator)
        let expected = rows.sorted(by: BreakdownRow.precedes)
        let sorted = BreakdownRow.sorted(rows)
        #expect(sorted == expected)
        // By bytes too: `==` on strings is canonical equivalence, under which "é" and "e\u{301}" are equal.
        #expect(sorted.map { [Array($0.date.description.utf8), Array($0.dimension.name.utf8), Array($0.value.utf8)] }
            == expected.map { [Array($0.date.description.utf8), Array($0.dimension.name.utf8), Array($0.value.utf8)] })
        #expect(expected.first?.dimension == .appVersion && expected.last?.dimension == .userType)
    }

    @Test("the breakdown's sort by ranks gives precedes' order on many random values and days")
    func breakdownOrderRandom() {
        var generator = SystemRandomNumberGeneratorStandIn(seed: 7)
        let letters = ["a", "B", "é", "e\u{301}", "0", "9", "-", " ", "日", "z"]
        let pool = (0..<300).map { _ in (0..<Int.random(in: 0...4, using: &generator)).map { _ in letters.randomElement(using: &generator)! }.joined() }
        let rows = (0..<5_000).map { _ in
            var row = BreakdownRow(
                date: Day(index: Int32.random(in: 20_000...20_060, using: &generator)), dimension: Dimension.allCases.randomElement(using: &generator)!,
                value: pool.randomElement(using: &generator)!)
            row.events = Int.random(in: 0...9, using: &generator)
            return row
        }
        // The order spelled out on byte arrays, apart from both sorts' comparisons.
        func bytes(_ row: BreakdownRow) -> [[UInt8]] { [Array(row.date.description.utf8), Array(row.dimension.name.utf8), Array(row.value.utf8)] }
        let expected = rows.enumerated().sorted { x, y in
            let (a, b) = (bytes(x.element), bytes(y.element))
            return a != b ? a.lexicographicallyPrecedes(b) { $0.lexicographicallyPrecedes($1) } : x.offset < y.offset
        }.map(\.element)
        #expect(rows.sorted(by: BreakdownRow.precedes).map(bytes) == expected.map(bytes))
        // Ties told apart by their counts too: the order given.
        func withEvents(_ row: BreakdownRow) -> [[UInt8]] { bytes(row) + [[UInt8(row.events)]] }
        #expect(BreakdownRow.sorted(rows).map(withEvents) == expected.map(withEvents))
    }

    /// u1 on Jan 1 and Jan 20, u2 on Jan 25, u3 on Jan 5 and Feb 3; report Jan 20 – Feb 5.
    var windowRun: InMemoryRun {
        InMemoryRun(
            [
                PinpointLine("pageView", iso: "2026-01-01T12:00:00Z", user: "u1"),
                PinpointLine("pageView", iso: "2026-01-20T12:00:00Z", user: "u1"),
                PinpointLine("pageView", iso: "2026-01-25T12:00:00Z", user: "u2"),
                PinpointLine("pageView", iso: "2026-01-05T12:00:00Z", user: "u3"),
                PinpointLine("pageView", iso: "2026-02-03T12:00:00Z", user: "u3"),
            ], from: "2026-01-20", to: "2026-02-05")
    }

    @Test("windows and first days reach before --from; every day of the range has a row")
    func windows() throws {
        let run = windowRun
        #expect(run.reports.daily.count == 17)
        #expect(run.reports.daily.first?.date.description == "2026-01-20")
        #expect(run.reports.daily.last?.date.description == "2026-02-05")
        typealias Expect = (active: Int, new: Int, wau: Int, mau: Int, stickiness: String, events: Int)
        let expected: [String: Expect] = [
            "2026-01-20": (1, 0, 1, 2, "0.5000", 1),  // u1 not new (Jan 1); mau has u3's Jan 5
            "2026-01-21": (0, 0, 1, 2, "0.0000", 0),  // a zero day still has a row
            "2026-01-25": (1, 1, 2, 3, "0.3333", 1),
            "2026-01-27": (0, 0, 1, 3, "0.0000", 0),
            "2026-02-01": (0, 0, 0, 3, "0.0000", 0),  // u2's week ended Jan 31
            "2026-02-03": (1, 0, 1, 3, "0.3333", 1),  // u3 came back: not new
            "2026-02-05": (0, 0, 1, 3, "0.0000", 0),
        ]
        for (date, e) in expected {
            let row = try #require(run.day(date))
            #expect(
                (row.activeUsers, row.newUsers, row.wau7d, row.mau30d, row.stickiness.description, row.events)
                    == (e.active, e.new, e.wau, e.mau, e.stickiness, e.events), "\(date)")
        }
    }

    @Test("monthly: days of the range in the month, distinct active users, summed counts")
    func monthly() {
        let months = windowRun.reports.monthly
        #expect(months.map(\.month.description) == ["2026-01", "2026-02"])
        #expect((months[0].days, months[0].activeUsers, months[0].newUsers, months[0].events) == (12, 2, 1, 2))
        #expect((months[1].days, months[1].activeUsers, months[1].newUsers, months[1].events) == (5, 1, 0, 1))
    }

    @Test("a user active on many days of a month counts once in it")
    func monthlyDistinct() {
        let run = InMemoryRun([
            PinpointLine("_userauth.sign_in", iso: "2026-04-01T00:00:00Z", user: "u1"),
            PinpointLine("_userauth.sign_in", iso: "2026-04-02T00:00:00Z", user: "u1"),
            PinpointLine("_userauth.sign_up", iso: "2026-04-30T23:59:59Z", user: "u2"),
            PinpointLine("pageView", iso: "2026-05-01T00:00:00Z", user: "u1"),
        ])
        let months = run.reports.monthly
        #expect((months[0].days, months[0].signIns, months[0].signUps, months[0].activeUsers, months[0].newUsers) == (30, 2, 1, 2, 2))
        #expect((months[1].days, months[1].activeUsers, months[1].newUsers) == (1, 1, 0))
    }

    @Test("a range with no data at all has zero rows for every day")
    func emptyRange() {
        let run = InMemoryRun([PinpointLine("pageView", iso: "2026-01-01T00:00:00Z", user: "u1")], from: "2027-01-01", to: "2027-01-03")
        #expect(run.reports.daily.map(\.events) == [0, 0, 0])
        #expect(run.reports.daily.map(\.mau30d) == [0, 0, 0])
        #expect(run.reports.breakdown.isEmpty)
    }

    @Test("only --from: the range runs to the last day with an event")
    func openRange() {
        let range = ReportBuilder.resolveRange(
            from: Day(iso: "2026-01-10"), to: nil, data: DayRange(first: Day(iso: "2026-01-01")!, last: Day(iso: "2026-01-31")!))
        #expect(range == DayRange(first: Day(iso: "2026-01-10")!, last: Day(iso: "2026-01-31")!))
    }

    @Test("merging two halves gives the same state as one run, duplicates across halves included")
    func merge() {
        let whole = InMemoryRun(oneDay).accumulator
        var first = InMemoryRun(Array(oneDay.prefix(2))).accumulator
        first.merge(InMemoryRun(Array(oneDay.suffix(5))).accumulator)  // overlaps in the duplicated sign-in
        _ = first.resolveDuplicates()  // copies across the halves are found here, as in a run's end
        let a = ReportBuilder.build(whole, range: whole.dayBounds)
        let b = ReportBuilder.build(first, range: first.dayBounds)
        #expect(a == b)
        #expect(first.duplicates == 2)  // one within the first half, one across the halves
        #expect(first.events == whole.events)
    }
}

@Suite("Ratios (docs/reports.md \"Numbers and text\")")
struct RatioTests {
    @Test("four decimals, rounded half up, 0 when the denominator is 0", arguments: [
        (1, 3, "0.3333"), (2, 3, "0.6667"), (1, 8, "0.1250"), (1, 32, "0.0313"), (5, 5, "1.0000"), (0, 0, "0.0000"),
        (0, 7, "0.0000"), (1, 20000, "0.0001"), (1, 20001, "0.0000"),
    ])
    func ratio(n: Int, d: Int, text: String) {
        #expect(Ratio(n, d).description == text)
    }

    /// 9/32 = 0.28125 exactly: a tie at the fifth decimal. Half up gives 0.2813; printf's
    /// `%.4f` (half to even on the binary value) would give 0.2812.
    @Test("a tie rounds up from the exact fraction: 9/32 = 0.28125 -> 0.2813", arguments: [
        (9, 32, "0.2813"), (3, 32, "0.0938"), (27, 32, "0.8438"), (31, 32, "0.9688"),
        (56_250_000, 200_000_000, "0.2813"),  // the same tie with a large cohort
        (28_124_999, 100_000_000, "0.2812"),  // just below the tie
    ])
    func tie(n: Int, d: Int, text: String) {
        #expect(Ratio(n, d).description == text)
    }

    /// Every fraction n/d with d up to 160 against a second statement of the rule: the
    /// quotient of n·10^4 by d, plus one when twice the remainder reaches d.
    @Test("every fraction up to /160 rounds half up from its exact value")
    func exhaustive() {
        for d in 1...160 {
            for n in 0...d {
                let (q, r) = (n * 10_000).quotientAndRemainder(dividingBy: d)
                let rounded = q + (2 * r >= d ? 1 : 0)
                let expected = "\(rounded / 10_000)." + String(String(rounded % 10_000 + 10_000).dropFirst())
                #expect(Ratio(n, d).description == expected, "\(n)/\(d)")
            }
        }
    }
}

