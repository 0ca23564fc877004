import AuthStatsTestSupport
import Foundation
import Testing

@testable import AuthStatsCore

/// An activity-log or CloudTrail record whose id repeats another's on the same day at another
/// time is a duplicate (`docs/metrics.md` "Duplicates"): the counts take it back, and sessions
/// do not count it either (found by a review on 2026-12-05: it made a second session).
@Suite("Sessions: a copy of an id-keyed record at another time of the same day counts once")
struct CopiesAtAnotherTimeTests {
    /// 2026-03-01T10:00:00Z.
    static let tenAM: Int64 = 1_772_359_200_000

    static func activity(_ millis: Int64, id: String = "X1", sub: String = "u1", response: String = "Pass") -> String {
        activityRecord("SignIn", response, timestamp: String(millis), sub: sub, eventID: id)
    }

    static func cloudTrail(_ iso: String, id: String = "E1", sub: String = "u1") -> String {
        #"{"eventVersion":"1.08","eventTime":"\#(iso)","eventSource":"cognito-idp.amazonaws.com","eventName":"InitiateAuth","eventID":"\#(id)","additionalEventData":{"sub":"\#(sub)"},"requestParameters":{"clientId":"c"}}"#
    }

    static func run(_ lines: [String], zone: String = "UTC", rows: Bool = true) -> InMemoryRun {
        InMemoryRun([("a.json", Array(lines.joined(separator: "\n").utf8))], timeZone: zone, sessionRows: rows)
    }

    @Test("activity log: the same eventId two hours apart is one event and one session, at the earlier time", arguments: [true, false])
    func activityLog(rows: Bool) {
        let run = Self.run([Self.activity(Self.tenAM), Self.activity(Self.tenAM + 7_200_000)], rows: rows)
        #expect(run.inputs.map(\.events) == [1])
        #expect(run.inputs.map(\.duplicates) == [1])
        #expect(run.reports.daily.map(\.sessions) == [1])
        if rows {
            #expect(run.sessions.map(\.start) == [Self.tenAM])
            #expect(run.sessions.map(\.signIns) == [1])
        }
    }

    @Test("CloudTrail: the same eventID read later at an earlier time: one session")
    func cloudTrail() {
        let run = Self.run([Self.cloudTrail("2026-03-01T12:00:00Z"), Self.cloudTrail("2026-03-01T10:00:00Z")])
        #expect(run.inputs.map(\.events) == [1])
        #expect(run.reports.daily.map(\.sessions) == [1])
        #expect(run.sessions.count == 1)
    }

    @Test("one day in the report's zone is one event; two days are two events and two sessions")
    func days() {
        // 23:30 and 00:30 UTC: one day in Berlin, two in UTC.
        let lines = [Self.activity(Self.tenAM + 13 * 3_600_000 + 1_800_000), Self.activity(Self.tenAM + 14 * 3_600_000 + 1_800_000)]
        let berlin = Self.run(lines, zone: "Europe/Berlin")
        #expect(berlin.inputs.map(\.events) == [1])
        #expect(berlin.reports.daily.map(\.sessions).reduce(0, +) == 1)
        let utc = Self.run(lines)
        #expect(utc.inputs.map(\.events) == [2])
        #expect(utc.reports.daily.map(\.sessions).reduce(0, +) == 2)
    }

    @Test("other ids, other users and identical copies are as before; an auth failure's copy counts once on a session")
    func others() {
        let run = Self.run([
            // u1: a session 10:00–10:05 and one at 12:00.
            Self.activity(Self.tenAM), Self.activity(Self.tenAM + 300_000, id: "X3"), Self.activity(Self.tenAM + 7_200_000, id: "X2"),
            // u2: one event, delivered twice alike.
            Self.activity(Self.tenAM, id: "Y1", sub: "u2"), Self.activity(Self.tenAM, id: "Y1", sub: "u2"),
            // u1's failure inside its first session, and its copy a minute later.
            Self.activity(Self.tenAM + 60_000, id: "F1", response: "Fail"), Self.activity(Self.tenAM + 120_000, id: "F1", response: "Fail"),
        ])
        #expect(run.inputs.map(\.events) == [5])
        #expect(run.inputs.map(\.duplicates) == [2])
        #expect(run.reports.daily.map(\.sessions) == [3])
        let u1 = run.sessions.filter { $0.user == "u1" }
        #expect(u1.map(\.authFailures) == [1, 0])
        #expect(u1.map(\.events) == [2, 1])
    }

    @Test("many id-keyed records of one user (past the scanned ones): copies are still found")
    func manyRecords() {
        var lines = (0..<100).map { Self.activity(Self.tenAM + Int64($0) * 60_000, id: "id\($0)") }
        lines += (0..<100).map { Self.activity(Self.tenAM + Int64($0) * 60_000 + 30_000, id: "id\($0)") }
        let run = Self.run(lines)
        #expect(run.inputs.map(\.events) == [100])
        #expect(run.sessions.map(\.events) == [100])
    }

    @Test("with a nightly state: the copy in a later batch counts once, as in one run")
    func acrossBatches() throws {
        let streams = [
            ("a.json", Array(Self.activity(Self.tenAM).utf8)), ("b.json", Array(Self.activity(Self.tenAM + 7_200_000).utf8)),
        ]
        let (reports, sessions) = try StateBatchTests.batched(streams, batches: 2, timeZone: "UTC", horizon: 35)
        #expect(sessions.count == 1)
        #expect(reports == StateBatchTests.whole(streams, timeZone: "UTC").reports)
        let (nightly, _) = try StateBatchTests.batched(streams, batches: 2, timeZone: "UTC", horizon: 35, sessionRows: false, nightly: true)
        #expect(nightly.daily.map(\.sessions) == [1])
    }
}
