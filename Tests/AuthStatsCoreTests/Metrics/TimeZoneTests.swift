import AuthStatsTestSupport
import Testing

@testable import AuthStatsCore

@Suite("Days in the report time zone (docs/metrics.md \"Days and time zones\")")
struct TimeZoneTests {
    /// Events just before and after midnight in Los Angeles (across the 2026-03-08 DST start)
    /// and in Kolkata (+05:30), one user each.
    let events: [PinpointLine] = [
        PinpointLine("pageView", iso: "2026-03-08T07:59:59Z", user: "u1"),  // LA Mar 7 23:59:59 PST
        PinpointLine("pageView", iso: "2026-03-08T08:00:00Z", user: "u2"),  // LA Mar 8 00:00 PST
        PinpointLine("pageView", iso: "2026-03-09T06:59:59Z", user: "u3"),  // LA Mar 8 23:59:59 PDT
        PinpointLine("pageView", iso: "2026-03-09T07:00:00Z", user: "u4"),  // LA Mar 9 00:00 PDT
        PinpointLine("pageView", iso: "2026-03-09T18:29:59Z", user: "u5"),  // Kolkata Mar 9 23:59:59
        PinpointLine("pageView", iso: "2026-03-09T18:30:00Z", user: "u6"),  // Kolkata Mar 10 00:00
    ]

    func daily(_ zone: String) -> [String: Int] {
        let run = InMemoryRun(events, timeZone: zone)
        return Dictionary(uniqueKeysWithValues: run.reports.daily.map { ($0.date.description, $0.activeUsers) })
    }

    @Test("UTC")
    func utc() {
        #expect(daily("UTC") == ["2026-03-08": 2, "2026-03-09": 4])
    }

    @Test("America/Los_Angeles, with the change to daylight time inside the data")
    func losAngeles() {
        #expect(daily("America/Los_Angeles") == ["2026-03-07": 1, "2026-03-08": 2, "2026-03-09": 3])
    }

    @Test("Asia/Kolkata (+05:30)")
    func kolkata() {
        #expect(daily("Asia/Kolkata") == ["2026-03-08": 2, "2026-03-09": 3, "2026-03-10": 1])
    }

    @Test("America/Los_Angeles at the end of daylight time (a 25-hour day)")
    func fallBack() {
        let run = InMemoryRun(
            [
                PinpointLine("pageView", iso: "2026-11-01T06:59:59Z", user: "a"),  // Oct 31 23:59:59 PDT
                PinpointLine("pageView", iso: "2026-11-01T07:00:00Z", user: "b"),  // Nov 1 00:00 PDT
                PinpointLine("pageView", iso: "2026-11-01T09:30:00Z", user: "c"),  // Nov 1 01:30 PST (second time)
                PinpointLine("pageView", iso: "2026-11-02T07:59:59Z", user: "d"),  // Nov 1 23:59:59 PST
                PinpointLine("pageView", iso: "2026-11-02T08:00:00Z", user: "e"),  // Nov 2 00:00 PST
            ], timeZone: "America/Los_Angeles")
        #expect(run.reports.daily.map { "\($0.date) \($0.activeUsers)" } == ["2026-10-31 1", "2026-11-01 3", "2026-11-02 1"])
    }

    @Test("the clock agrees with Foundation's calendar for every hour of a year")
    func clockMatchesCalendar() {
        for zone in ["America/Los_Angeles", "Asia/Kolkata", "Australia/Lord_Howe", "Europe/Berlin"] {
            var clock = DayClock(timeZone: .init(identifier: zone)!)
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = .init(identifier: zone)!
            var millis = PinpointLine.millis("2026-01-01T00:00:00Z")
            for _ in 0..<(366 * 24 * 4) {
                let parts = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(millis) / 1000))
                let expected = Day(year: parts.year!, month: parts.month!, day: parts.day!)
                if clock.day(ofMillis: millis) != expected {
                    Issue.record("\(zone) \(millis): \(clock.day(ofMillis: millis)) != \(expected)")
                    break
                }
                millis += 900_000 - 1
            }
        }
    }
}

import Foundation
