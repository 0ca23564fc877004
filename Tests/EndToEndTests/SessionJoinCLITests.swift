import AuthStatsTestSupport
import Foundation
import Testing

/// The session join (`docs/metrics.md` "Sessions") through the built binary: events without a session id
/// from the activity log and CloudTrail join the Pinpoint session whose span holds them,
/// one of them only because of a Pinpoint file read after it; the same bytes for every
/// `--jobs`, and the same daily counts without `--sessions-detail`.
@Suite("End to end: sessionless events join the app session whose span holds them, for any --jobs")
struct SessionJoinCLITests {
    static let users = 30
    static let base: Int64 = 1_772_359_200_000  // 2026-03-01T10:00:00Z

    /// User `u`'s session starts 7 minutes after the previous user's.
    static func start(_ u: Int) -> Int64 { base + Int64(u) * 420_000 }
    static func minutes(_ m: Int64) -> Int64 { m * 60_000 }

    static func pinpoint(_ type: String, _ time: Int64, user: Int, stop: Int64? = nil) -> String {
        let stopField = stop.map { ",\"stop_timestamp\":\($0)" } ?? ""
        return #"{"event_type":"\#(type)","event_timestamp":\#(time),"client":{"client_id":"c\#(user)"},"session":{"session_id":"s-\#(user)","start_timestamp":\#(start(user))\#(stopField)},"endpoint":{"User":{"UserId":"u\#(user)"}}}"#
    }

    static func activity(_ response: String, _ time: Int64, user: Int, id: String) -> String {
        #"{"eventTimestamp":"\#(time)","eventSource":"USER_ACTIVITY","logLevel":"INFO","message":{"eventId":"\#(id)","eventType":"SignIn","eventResponse":"\#(response)","userSub":"u\#(user)","clientId":"c1","idpName":""}}"#
    }

    static func trail(_ time: Int64, user: Int) -> String {
        let iso = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(time) / 1000))
        return #"{"eventTime":"\#(iso)","eventSource":"cognito-idp.amazonaws.com","eventName":"InitiateAuth","requestParameters":{"clientId":"c1"},"responseElements":null,"additionalEventData":{"sub":"u\#(user)"},"eventID":"t-\#(user)"}"#
    }

    /// Per user: Pinpoint session s-u from T to T+20 min, whose stop event (in the last file
    /// read) stretches it to T+25 min by its stop_timestamp; a CloudTrail sign-in at T+5 min;
    /// activity-log sign-in at T+22 min (inside only thanks to the stop timestamp), a failure
    /// at T+24 min and a sign-in at T+40 min (15 minutes after the span: a gap session).
    static func writeInputs(to folder: URL) throws {
        var startFile: [String] = [], stopFile: [String] = [], activityFile: [String] = [], records: [String] = []
        for u in 0..<users {
            let t = start(u)
            startFile += [pinpoint("_session.start", t, user: u), pinpoint("pageView", t + minutes(10), user: u)]
            stopFile.append(pinpoint("_session.stop", t + minutes(20), user: u, stop: t + minutes(25)))
            records.append(trail(t + minutes(5), user: u))
            activityFile += [
                activity("Pass", t + minutes(22), user: u, id: "a-\(u)"), activity("Fail", t + minutes(24), user: u, id: "f-\(u)"),
                activity("Pass", t + minutes(40), user: u, id: "g-\(u)"),
            ]
        }
        // Sorted path order reads the stop events last; CloudTrail's records in reverse time order.
        try TestFiles.gzip(startFile, to: folder.appendingPathComponent("a-pinpoint.ndjson.gz").path)
        try (activityFile.reversed().joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("b-activity.ndjson"), atomically: true, encoding: .utf8)
        try #"{"Records":[\#(records.reversed().joined(separator: ","))]}"#.write(to: folder.appendingPathComponent("c-trail.json"), atomically: true, encoding: .utf8)
        try (stopFile.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("d-pinpoint.ndjson"), atomically: true, encoding: .utf8)
    }

    /// `sessions.csv` by hand: per user, s-u (T to T+25 min: 1500 s; start, view, stop and
    /// the three joined events less the failure = 5 events, 2 sign-ins, 1 failure), then the
    /// gap session at T+40 min.
    static func expectedSessions() -> String {
        func iso(_ millis: Int64) -> String {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
        }
        var out = "user_id,session_id,start,end,duration_seconds,events,sign_ins,auth_failures,platform,app_version\n"
        for u in (0..<users).sorted(by: { "u\($0)" < "u\($1)" }) {
            let t = start(u)
            out += "u\(u),s-\(u),\(iso(t)),\(iso(t + minutes(25))),1500,5,2,1,(unknown),(unknown)\n"
            let g = t + minutes(40)
            out += "u\(u),u\(u)-\(g),\(iso(g)),\(iso(g)),0,1,1,0,(unknown),(unknown)\n"
        }
        return out
    }

    @Test("hand-computed sessions.csv with --jobs 1, 2 and 3; counts alone give the same daily.csv")
    func jobs() throws {
        let folder = CLI.temporaryFolder("session-join")
        let input = folder.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        try Self.writeInputs(to: input)
        var daily: [String] = []
        for (jobs, detail) in [("1", true), ("2", true), ("3", true), ("1", false), ("3", false)] {
            let out = folder.appendingPathComponent("out-\(jobs)-\(detail)")
            let result = try CLI.run(["report", input.path, "--out", out.path, "--jobs", jobs, "-q"] + (detail ? ["--sessions-detail"] : []))
            #expect(result.status == 0, "\(result.stderr)")
            daily.append(try String(contentsOf: out.appendingPathComponent("daily.csv"), encoding: .utf8))
            if detail {
                let sessions = try String(contentsOf: out.appendingPathComponent("sessions.csv"), encoding: .utf8)
                #expect(sessions == Self.expectedSessions(), "--jobs \(jobs)\n\(Golden.diff(Self.expectedSessions(), sessions))")
            }
        }
        #expect(Set(daily).count == 1, "daily.csv differs between runs")
        // 60 sessions started on 2026-03-01 (30 users); durations 1500 s and 0 s, 30 of each:
        // the 30th smallest is 0.
        let row = try #require(daily[0].split(separator: "\n").first { $0.hasPrefix("2026-03-01,") })
        #expect(row.split(separator: ",").suffix(3) == ["60", "30", "0"])
    }

    /// `docs/metrics.md` "Sessions": `sessions.csv` lists every session read, whatever the
    /// range; `daily.csv` counts a session on the day it starts. A Pinpoint session whose only
    /// exported event (its stop, 00:10 on 11-10) says it began at 22:50 on 11-09 starts before
    /// the first day with an event: a row of `sessions.csv`, in no day of `daily.csv`.
    @Test("a session that began before the first day with an event: in sessions.csv, in no daily row")
    func sessionBeforeTheRange() throws {
        let folder = CLI.temporaryFolder("session-before-range")
        let input = folder.appendingPathComponent("p.ndjson")
        try ([
            #"{"event_type":"_session.stop","event_timestamp":1794269400000,"client":{"client_id":"ep-B"},"endpoint":{"User":{"UserId":"B"}},"session":{"session_id":"sB","start_timestamp":1794264600000,"stop_timestamp":1794269400000}}"#,
            #"{"event_type":"_userauth.sign_in","event_timestamp":1794304800000,"client":{"client_id":"ep-A"},"endpoint":{"User":{"UserId":"A"}}}"#,
        ].joined(separator: "\n") + "\n").write(to: input, atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("out")
        let result = try CLI.run(["report", input.path, "--out", out.path, "--sessions-detail", "--no-html", "-q"])
        #expect(result.status == 0, "\(result.stderr)")
        let sessions = try String(contentsOf: out.appendingPathComponent("sessions.csv"), encoding: .utf8)
        #expect(sessions.split(separator: "\n").dropFirst().map { $0.split(separator: ",").prefix(4).joined(separator: ",") } == [
            "A,A-1794304800000,2026-11-10T10:00:00.000Z,2026-11-10T10:00:00.000Z",
            "B,sB,2026-11-09T22:50:00.000Z,2026-11-10T00:10:00.000Z",
        ])
        let daily = try String(contentsOf: out.appendingPathComponent("daily.csv"), encoding: .utf8).split(separator: "\n")
        let sessionsColumn = try #require(daily.first?.split(separator: ",").firstIndex(of: "sessions"))
        #expect(daily.dropFirst().map { String($0.split(separator: ",")[0]) } == ["2026-11-10"])
        #expect(daily.dropFirst().map { String($0.split(separator: ",")[sessionsColumn]) } == ["1"])
    }
}
