import AuthStatsTestSupport
import Testing

@testable import AuthStatsCore

/// Two exports holding the same sign-ins (`docs/metrics.md` "Overlapping exports").
@Suite("Overlapping exports and --auth-source")
struct OverlapTests {
    // The same sign-in of sub-1 in Pinpoint and in CloudTrail, a CloudTrail failure, and a
    // Pinpoint session event on the next day (one export only: no overlap that day).
    static let text = [
        PinpointLine("_userauth.sign_in", iso: "2024-05-02T07:57:09Z", user: "sub-1").json,
        trailRecord("InitiateAuth", time: "2024-05-02T07:57:09Z", eventID: "e1"),
        trailRecord("InitiateAuth", time: "2024-05-02T08:00:00Z", error: "NotAuthorizedException", eventID: "e2"),
        PinpointLine("_session.start", iso: "2024-05-03T10:00:00Z", user: "sub-1", session: "s").json,
    ].joined(separator: "\n")

    @Test("a day with sign-ins from two exports is an overlap, with each export's counts")
    func detected() {
        let run = InMemoryRun(text: Self.text)
        let overlaps = run.accumulator.overlaps
        #expect(overlaps.count == 1)
        #expect(overlaps.first?.date.description == "2024-05-02")
        #expect(overlaps.first?.exports.map(\.source) == ["cloudtrail", "pinpoint"])
        #expect(overlaps.first?.exports[0].counts.signIns == 1)
        #expect(overlaps.first?.exports[0].counts.authFailures == 1)
        #expect(overlaps.first?.exports[1].counts.signIns == 1)
        #expect(run.day("2024-05-02")?.signIns == 2)  // counted once per export: the double count
    }

    @Test("--auth-source pinpoint: CloudTrail's sign-ins and failures no longer count as such; activity and events stay")
    func authSource() {
        let run = InMemoryRun([("t.ndjson", Array(Self.text.utf8))], authSources: [.pinpoint])
        let day = run.day("2024-05-02")
        #expect(day?.signIns == 1)
        #expect(day?.authFailures == 0)
        #expect(day?.activeUsers == 1)
        #expect(day?.events == 3)
        #expect(run.accumulator.overlaps.isEmpty)
        // The CloudTrail sign-in still makes its user active in CloudTrail's breakdown row.
        #expect(run.breakdown("2024-05-02", .source, "cloudtrail")?.activeUsers == 1)
        #expect(run.breakdown("2024-05-02", .source, "cloudtrail")?.signIns == 0)
    }
}
