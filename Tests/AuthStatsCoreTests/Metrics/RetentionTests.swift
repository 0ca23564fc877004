import AuthStatsTestSupport
import Testing

@testable import AuthStatsCore

@Suite("Retention (docs/metrics.md \"Retention\"), checked by hand")
struct RetentionTests {
    /// Cohort 2026-01-01: a, b, c. a returns on day 1 and day 30; b on day 7; c on day 3 only.
    /// Cohort 2026-01-05: d, who returns on day 1. The data ends on 2026-01-31 (a's day 30),
    /// so 2026-01-05's day 30 (02-04) lies beyond it.
    var run: InMemoryRun {
        InMemoryRun([
            PinpointLine("_userauth.sign_up", iso: "2026-01-01T10:00:00Z", user: "a"),
            PinpointLine("_userauth.sign_up", iso: "2026-01-01T11:00:00Z", user: "b"),
            PinpointLine("_userauth.sign_up", iso: "2026-01-01T12:00:00Z", user: "c"),
            PinpointLine("pageView", iso: "2026-01-02T10:00:00Z", user: "a"),
            PinpointLine("pageView", iso: "2026-01-31T10:00:00Z", user: "a"),
            PinpointLine("pageView", iso: "2026-01-08T10:00:00Z", user: "b"),
            PinpointLine("pageView", iso: "2026-01-04T10:00:00Z", user: "c"),
            PinpointLine("_userauth.auth_fail", iso: "2026-01-09T10:00:00Z", user: "c"),  // not activity
            PinpointLine("_userauth.sign_in", iso: "2026-01-05T10:00:00Z", user: "d"),
            PinpointLine("pageView", iso: "2026-01-06T10:00:00Z", user: "d"),
        ])
    }

    @Test("cohort rows")
    func rows() throws {
        let rows = run.reports.retention
        #expect(rows.map(\.cohort.description) == ["2026-01-01", "2026-01-05"])
        let first = rows[0]
        #expect((first.size, first.retainedD1, first.retainedD7, first.retainedD30, first.returned7d) == (3, 1, 1, 1, 3))
        let second = rows[1]
        #expect((second.size, second.retainedD1, second.retainedD7, second.retainedD30, second.returned7d) == (1, 1, 0, nil, 1))
    }

    @Test("the CSV: rates with 4 decimals, empty cells beyond the data")
    func csv() {
        var out = ""
        CSVTableWriter.write(run.reports.retentionTable, to: &out)
        #expect(out == """
            cohort_date,cohort_size,retained_d1,retained_d7,retained_d30,rate_d1,rate_d7,rate_d30,returned_7d
            2026-01-01,3,1,1,1,0.3333,0.3333,0.3333,3
            2026-01-05,1,1,0,,1.0000,0.0000,,1

            """)
    }

    @Test("only cohorts inside the range are written; targets may lie outside it")
    func range() {
        let rows = InMemoryRun(
            [PinpointLine("pageView", iso: "2026-01-01T10:00:00Z", user: "a"), PinpointLine("pageView", iso: "2026-01-02T10:00:00Z", user: "a"),
             PinpointLine("pageView", iso: "2026-01-02T10:00:00Z", user: "b")],
            from: "2026-01-01", to: "2026-01-01").reports.retention
        #expect(rows.map { "\($0.cohort) \($0.size) \($0.retainedD1 ?? -1) \($0.retainedD7 ?? -1)" } == ["2026-01-01 1 1 -1"])
    }
}
