import AuthStatsTestSupport
import Foundation
import Testing

/// Ratio columns at a rounding tie, through the real binary (`docs/reports.md` "Numbers and
/// text": half up from the exact fraction).
@Suite("Ratios at a tie in the written reports")
struct RatioTieTests {
    /// 32 users sign up on 2026-03-01; 9 of them come back on 2026-03-02. On 03-02,
    /// stickiness is 9 active / 32 in the 30-day window, and the 03-01 cohort's day-1 rate is
    /// 9 / 32: both 0.28125, written 0.2813.
    @Test("stickiness and rate_d1 of 9/32 are 0.2813 in CSV and JSON")
    func nineThirtySeconds() throws {
        let folder = CLI.temporaryFolder("tie")
        let users = (0..<32).map { String(format: "u%02d", $0) }
        let lines =
            users.map { PinpointLine("_userauth.sign_up", iso: "2026-03-01T12:00:00Z", user: $0).json }
            + users.prefix(9).map { PinpointLine("pageView", iso: "2026-03-02T12:00:00Z", user: $0).json }
        try (lines.joined(separator: "\n") + "\n").write(
            to: folder.appendingPathComponent("events.ndjson"), atomically: true, encoding: .utf8)
        let out = CLI.temporaryFolder()
        let result = try CLI.run(["report", folder.path, "--out", out.path, "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        func read(_ name: String) throws -> [String] {
            try String(contentsOf: out.appendingPathComponent(name), encoding: .utf8)
                .split(separator: "\n").map(String.init)
        }

        #expect(
            try read("daily.csv") == [
                "date,sign_ups,sign_ins,auth_failures,active_users,new_users,wau_7d,mau_30d,stickiness,events,sessions,session_users,median_session_seconds",
                "2026-03-01,32,0,0,32,32,32,32,1.0000,32,32,32,0",
                "2026-03-02,0,0,0,9,0,32,32,0.2813,9,9,9,0",
            ])
        // The day-7 and day-30 targets and returned_7d lie after the last day with data: empty.
        #expect(
            try read("retention.csv") == [
                "cohort_date,cohort_size,retained_d1,retained_d7,retained_d30,rate_d1,rate_d7,rate_d30,returned_7d",
                "2026-03-01,32,9,,,0.2813,,,",
            ])
        let daily = try read("daily.json")
        #expect(
            daily.contains(
                #"    {"date": "2026-03-02", "sign_ups": 0, "sign_ins": 0, "auth_failures": 0, "active_users": 9, "new_users": 0, "wau_7d": 32, "mau_30d": 32, "stickiness": 0.2813, "events": 9, "sessions": 9, "session_users": 9, "median_session_seconds": 0}"#
            ), "\(daily)")
        let retention = try read("retention.json")
        #expect(
            retention.contains(
                #"    {"cohort_date": "2026-03-01", "cohort_size": 32, "retained_d1": 9, "retained_d7": null, "retained_d30": null, "rate_d1": 0.2813, "rate_d7": null, "rate_d30": null, "returned_7d": null}"#
            ), "\(retention)")
    }
}
