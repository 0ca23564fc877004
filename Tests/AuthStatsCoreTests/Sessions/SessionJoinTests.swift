import AuthStatsTestSupport
import Testing

@testable import AuthStatsCore

/// Events without a session id inside a session-id session's span join it (`docs/metrics.md` "Sessions").
/// Every expectation is worked out by hand; each run is made twice, with session rows and
/// with counts alone (compact records), whose reports must agree.
@Suite("Sessions: events without a session id join the session whose span holds them")
struct SessionJoinTests {
    func at(_ iso: String) -> Int64 { PinpointLine.millis(iso) }

    func line(_ type: String, _ iso: String, user: String = "u1", session: String? = nil, start: String? = nil, stop: String? = nil) -> PinpointLine {
        PinpointLine(type, iso: iso, user: user, session: session, start: start, stop: stop)
    }

    /// A sessionless event `ms` milliseconds after `iso`.
    func line(_ type: String, _ iso: String, plus ms: Int64) -> PinpointLine { PinpointLine(type, at: at(iso) + ms, user: "u1") }

    func summary(_ sessions: [Session]) -> [String] {
        sessions.map { "\($0.user) \($0.id) \(Timestamps.isoString(millis: $0.start)) \($0.durationSeconds)s \($0.events)e \($0.signIns)si \($0.authFailures)af" }
    }

    /// The run with session rows; checks that counts alone (compact records, spilled) give the same reports.
    func sessionize(_ streams: [(String, [UInt8])], sessionTimeout: String = "30m", sourceLocation: SourceLocation = #_sourceLocation) -> InMemoryRun {
        let rows = InMemoryRun(streams, sessionTimeout: sessionTimeout)
        let counts = InMemoryRun(
            streams, spill: MemorySpillStore(), sessionTimeout: sessionTimeout, sessionMemory: 256, sessionRows: false)
        #expect(counts.reports == rows.reports, sourceLocation: sourceLocation)
        return rows
    }

    func sessionize(_ lines: [PinpointLine], sessionTimeout: String = "30m", sourceLocation: SourceLocation = #_sourceLocation) -> InMemoryRun {
        sessionize([("test.ndjson", Array(lines.ndjson.utf8))], sessionTimeout: sessionTimeout, sourceLocation: sourceLocation)
    }

    /// `[sessions, session_users, median_session_seconds]` of a day.
    func daily(_ run: InMemoryRun, _ date: String) -> [Int] {
        run.day(date).map { [$0.sessions, $0.sessionUsers, Int($0.medianSessionSeconds)] } ?? []
    }

    @Test("a sessionless sign-in inside a span joins that session: one session, the sign-in in its events and sign-ins")
    func inside() {
        let run = sessionize([
            line("_session.start", "2026-03-01T10:00:00Z", session: "s1"),
            line("_userauth.sign_in", "2026-03-01T10:05:00Z"),
            line("_userauth.auth_fail", "2026-03-01T10:05:00Z"),
            line("pageView", "2026-03-01T10:10:00Z", session: "s1"),
            line("_session.stop", "2026-03-01T10:20:00Z", session: "s1"),
        ])
        // Before the rule the sign-in made a second session of 0 s (2 sessions, median 0).
        #expect(summary(run.sessions) == ["u1 s1 2026-03-01T10:00:00.000Z 1200s 4e 1si 1af"])
        #expect(daily(run, "2026-03-01") == [1, 1, 1200])
    }

    /// s1's span is [09:59:50, 10:20:30], set by its start and stop timestamps (no event at
    /// either end); a sessionless sign-in at each edge and a millisecond beyond it.
    @Test(
        "at the span's exact start or end the sign-in joins; 1 ms outside it makes its own session",
        arguments: [
            ("2026-03-01T09:59:50Z", Int64(0), true), ("2026-03-01T10:20:30Z", 0, true),
            ("2026-03-01T09:59:50Z", -1, false), ("2026-03-01T10:20:30Z", 1, false),
        ])
    func edges(iso: String, offset: Int64, joins: Bool) {
        let signIn = line("_userauth.sign_in", iso, plus: offset)
        let run = sessionize([
            line("_session.start", "2026-03-01T10:00:00Z", session: "s1", start: "2026-03-01T09:59:50Z"),
            signIn,
            line("_session.stop", "2026-03-01T10:20:00Z", session: "s1", start: "2026-03-01T09:59:50Z", stop: "2026-03-01T10:20:30Z"),
        ])
        let s1Alone = "u1 s1 2026-03-01T09:59:50.000Z 1240s 2e 0si 0af"
        let gap = "u1 u1-\(signIn.time) \(Timestamps.isoString(millis: signIn.time)) 0s 1e 1si 0af"
        if joins {
            #expect(summary(run.sessions) == ["u1 s1 2026-03-01T09:59:50.000Z 1240s 3e 1si 0af"])
            #expect(daily(run, "2026-03-01") == [1, 1, 1240])
        } else {
            #expect(summary(run.sessions) == (offset < 0 ? [gap, s1Alone] : [s1Alone, gap]))
            #expect(daily(run, "2026-03-01") == [2, 1, 0])  // durations 0 and 1240: the 1st is the median
        }
    }

    @Test("inside two spans: the one that starts first, even when the other is shorter or its id smaller")
    func earliestStart() {
        let run = sessionize([
            line("_session.start", "2026-03-01T10:00:00Z", session: "z-outer"),
            line("_session.start", "2026-03-01T10:10:00Z", session: "a-inner"),
            line("_userauth.sign_in", "2026-03-01T10:20:00Z"),
            line("_session.stop", "2026-03-01T10:30:00Z", session: "a-inner"),
            line("_session.stop", "2026-03-01T11:00:00Z", session: "z-outer"),
        ])
        #expect(summary(run.sessions) == [
            "u1 z-outer 2026-03-01T10:00:00.000Z 3600s 3e 1si 0af",
            "u1 a-inner 2026-03-01T10:10:00.000Z 1200s 2e 0si 0af",
        ])
    }

    /// Pairs of ids of which some sort the other way by their session keys (hashes), so the
    /// join cannot follow the log's order by luck.
    static let idPairs = [("s-a", "s-b"), ("s-b", "s-c"), ("x1", "x2"), ("B", "a"), ("app-9", "app-10")]

    @Test("inside two spans that start together: the smallest session id, in byte order", arguments: idPairs)
    func smallestID(first: String, second: String) {
        // In byte order "B" < "a" and "app-10" < "app-9".
        let (small, large) = Array(first.utf8).lexicographicallyPrecedes(Array(second.utf8)) ? (first, second) : (second, first)
        let run = sessionize([
            line("_session.start", "2026-03-01T10:00:00Z", session: large),
            line("_session.start", "2026-03-01T10:00:00Z", session: small),
            line("_userauth.sign_in", "2026-03-01T10:20:00Z"),
            line("_session.stop", "2026-03-01T10:30:00Z", session: small),
            line("_session.stop", "2026-03-01T10:40:00Z", session: large),
        ])
        #expect(summary(run.sessions) == [
            "u1 \(small) 2026-03-01T10:00:00.000Z 1800s 3e 1si 0af",
            "u1 \(large) 2026-03-01T10:00:00.000Z 2400s 2e 0si 0af",
        ])
    }

    @Test("the id pairs above include some whose session keys sort against byte order")
    func keysDisagree() {
        func key(_ id: String) -> UInt64 {
            SessionRecord.sessionKey(of: Event(time: 0, source: .pinpoint, kind: .session, user: "u1", fingerprint: Fingerprint(fields: []), sessionID: id, dimensions: DimensionValues()))
        }
        let disagreeing = Self.idPairs.filter { a, b in (key(a) < key(b)) != Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8)) }
        #expect(!disagreeing.isEmpty)
    }

    @Test("two spans start together but only the longer holds the event: it joins that one")
    func onlyLongerHolds() {
        let run = sessionize([
            line("_session.start", "2026-03-01T10:00:00Z", session: "s-a"),
            line("_session.start", "2026-03-01T10:00:00Z", session: "s-b"),
            line("_session.stop", "2026-03-01T10:10:00Z", session: "s-a"),
            line("_userauth.sign_in", "2026-03-01T10:20:00Z"),
            line("_session.stop", "2026-03-01T10:40:00Z", session: "s-b"),
        ])
        #expect(summary(run.sessions) == [
            "u1 s-a 2026-03-01T10:00:00.000Z 600s 2e 0si 0af",
            "u1 s-b 2026-03-01T10:00:00.000Z 2400s 3e 1si 0af",
        ])
    }

    /// The span only reaches the sign-in through an event read after it: in every order of
    /// the three files the sign-in joins.
    @Test(
        "a span that grows to hold the event through a later-read event of its session (any input order)",
        arguments: [
            // by the later event's stop_timestamp, by its time, by its start_timestamp
            ["2026-03-01T10:00:00Z s1", "2026-03-01T10:20:00Z", "2026-03-01T10:25:00Z s1 stop=2026-03-01T10:30:00Z"],
            ["2026-03-01T10:00:00Z s1", "2026-03-01T10:20:00Z", "2026-03-01T10:30:00Z s1"],
            ["2026-03-01T10:30:00Z s1", "2026-03-01T10:20:00Z", "2026-03-01T10:28:00Z s1 start=2026-03-01T10:00:00Z"],
        ])
    func grows(files: [String]) {
        func file(_ spec: String) -> (String, [UInt8]) {
            let parts = spec.split(separator: " ").map(String.init)
            var l = parts.count == 1 ? line("_userauth.sign_in", parts[0]) : line("pageView", parts[0], session: parts[1])
            for option in parts.dropFirst(2) {
                let value = at(String(option.split(separator: "=")[1]))
                if option.hasPrefix("stop=") { l.sessionStop = value } else { l.sessionStart = value }
            }
            return (spec, Array([l].ndjson.utf8))
        }
        let streams = files.map(file)
        for order in [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]] {
            let run = sessionize(order.map { streams[$0] })
            #expect(summary(run.sessions) == ["u1 s1 2026-03-01T10:00:00.000Z 1800s 3e 1si 0af"], "order \(order)")
            #expect(daily(run, "2026-03-01") == [1, 1, 1800])
        }
    }

    @Test("activity-log and CloudTrail events of a user with Pinpoint sessions join them; outside a span, or without Pinpoint sessions, they form gap sessions")
    func otherExports() {
        func activity(_ iso: String, _ response: String, sub: String, id: String) -> String {
            activityRecord("SignIn", response, timestamp: String(at(iso)), sub: sub, eventID: id)
        }
        let pinpoint = [
            line("_session.start", "2026-03-01T10:00:00Z", user: "sub-1", session: "s1"),
            line("_session.stop", "2026-03-01T10:20:00Z", user: "sub-1", session: "s1"),
        ]
        let activityLog = [
            activity("2026-03-01T10:05:00Z", "Pass", sub: "sub-1", id: "e1"),  // joins s1
            activity("2026-03-01T10:08:00Z", "Fail", sub: "sub-1", id: "e2"),  // a failure in s1's span
            activity("2026-03-01T11:00:00Z", "Pass", sub: "sub-1", id: "e3"),  // 40 min after s1: a gap session
        ]
        let trail = [
            trailRecord("InitiateAuth", time: "2026-03-01T10:06:00Z", sub: "sub-1", eventID: "t1"),  // joins s1
            trailRecord("InitiateAuth", time: "2026-03-01T10:07:00Z", sub: "sub-2", eventID: "t2"),  // no Pinpoint session of sub-2
        ]
        let run = sessionize([
            ("trail.json", Array(#"{"Records":[\#(trail.joined(separator: ","))]}"#.utf8)),
            ("activity.ndjson", Array((activityLog.joined(separator: "\n") + "\n").utf8)),
            ("pinpoint.ndjson", Array(pinpoint.ndjson.utf8)),
        ])
        #expect(summary(run.sessions) == [
            "sub-1 s1 2026-03-01T10:00:00.000Z 1200s 4e 2si 1af",
            "sub-1 sub-1-\(at("2026-03-01T11:00:00Z")) 2026-03-01T11:00:00.000Z 0s 1e 1si 0af",
            "sub-2 sub-2-\(at("2026-03-01T10:07:00Z")) 2026-03-01T10:07:00.000Z 0s 1e 1si 0af",
        ])
        #expect(daily(run, "2026-03-01") == [3, 2, 0])  // durations 0, 0, 1200
    }

    @Test("a joined event before the session's first own event changes neither its platform nor its app version")
    func platformOfOwnFirstEvent() {
        var start = line("_session.start", "2026-03-01T10:00:00Z", session: "s1", start: "2026-03-01T09:59:00Z")
        start.platform = "ios"
        start.appVersion = "2.1"
        var signIn = line("_userauth.sign_in", "2026-03-01T09:59:30Z")  // inside [09:59:00, 10:00:00], before the first s1 event
        signIn.platform = "android"
        signIn.appVersion = "1.0"
        let run = sessionize([signIn, start])
        #expect(run.sessions.map { "\($0.id) \($0.events) \($0.platform) \($0.appVersion)" } == ["s1 2 ios 2.1"])
    }

    /// The README's worked example (sign-in 10:00:00, page views 10:30:00 and 11:00:00.001),
    /// extended with one app session a1 from 12:00:00 to 12:20:00, a sign-in Cognito reports
    /// without a session id at 12:00:00 and a page view at 12:20:00.001.
    static let readmeExample: [PinpointLine] = [
        PinpointLine("_userauth.sign_in", iso: "2026-03-01T10:00:00Z", user: "u1"),
        PinpointLine("pageView", iso: "2026-03-01T10:30:00Z", user: "u1"),
        PinpointLine("pageView", at: PinpointLine.millis("2026-03-01T11:00:00Z") + 1, user: "u1"),
        PinpointLine("_session.start", iso: "2026-03-01T12:00:00Z", user: "u1", session: "a1"),
        PinpointLine("_userauth.sign_in", iso: "2026-03-01T12:00:00Z", user: "u1"),
        PinpointLine("_session.stop", iso: "2026-03-01T12:20:00Z", user: "u1", session: "a1"),
        PinpointLine("pageView", at: PinpointLine.millis("2026-03-01T12:20:00Z") + 1, user: "u1"),
    ]

    @Test("the README's worked example with one app session: 4 sessions; 3 with --session-timeout 45m; 5 with 90s")
    func readme() {
        let events = Self.readmeExample
        let t = (ten: at("2026-03-01T10:00:00Z"), eleven: at("2026-03-01T11:00:00Z") + 1, late: at("2026-03-01T12:20:00Z") + 1)
        // The sign-in at 12:00:00 lies in a1's span [12:00:00, 12:20:00] (at its start) and joins
        // it; the page view 1 ms after a1 ends is 80 min after the last event left over
        // (11:00:00.001), so it is a session of its own.
        let standard = sessionize(events)
        #expect(summary(standard.sessions) == [
            "u1 u1-\(t.ten) 2026-03-01T10:00:00.000Z 1800s 2e 1si 0af",
            "u1 u1-\(t.eleven) 2026-03-01T11:00:00.001Z 0s 1e 0si 0af",
            "u1 a1 2026-03-01T12:00:00.000Z 1200s 3e 1si 0af",
            "u1 u1-\(t.late) 2026-03-01T12:20:00.001Z 0s 1e 0si 0af",
        ])
        #expect(daily(standard, "2026-03-01") == [4, 1, 0])  // durations 0, 0, 1200, 1800: the 2nd
        let longer = sessionize(events, sessionTimeout: "45m")
        #expect(summary(longer.sessions) == [
            "u1 u1-\(t.ten) 2026-03-01T10:00:00.000Z 3600s 3e 1si 0af",
            "u1 a1 2026-03-01T12:00:00.000Z 1200s 3e 1si 0af",
            "u1 u1-\(t.late) 2026-03-01T12:20:00.001Z 0s 1e 0si 0af",
        ])
        #expect(daily(longer, "2026-03-01") == [3, 1, 1200])  // durations 0, 1200, 3600
        let shorter = sessionize(events, sessionTimeout: "90s")
        #expect(shorter.sessions.map(\.id) == ["u1-\(t.ten)", "u1-\(at("2026-03-01T10:30:00Z"))", "u1-\(t.eleven)", "a1", "u1-\(t.late)"])
        #expect(daily(shorter, "2026-03-01") == [5, 1, 0])
    }

    /// The rule straight from `docs/metrics.md` "Sessions", the naive way: every session-id session's span,
    /// then each sessionless event joins the first span by (start, id bytes) that holds it,
    /// and the rest split on gaps; auth failures count on every span that holds them.
    /// Sessions as "id start end events signIns authFailures".
    static func naive(_ lines: [PinpointLine], timeout: Int64) -> [String] {
        var out: [String] = []
        for user in Set(lines.compactMap(\.userID)).sorted() {
            let mine = lines.filter { $0.userID == user && $0.type != "_userauth.auth_fail" }
            var rows: [(id: String, start: Int64, end: Int64, events: Int, signIns: Int)] = []
            for id in Set(mine.compactMap(\.sessionID)) {
                let group = mine.filter { $0.sessionID == id }
                let start = group.map { min($0.time, $0.sessionStart ?? $0.time) }.min()!
                let end = group.map { max($0.time, $0.sessionStop ?? $0.time) }.max()!
                rows.append((id, start, end, group.count, group.filter { $0.type == "_userauth.sign_in" }.count))
            }
            let spans = rows.indices.sorted { a, b in
                rows[a].start != rows[b].start ? rows[a].start < rows[b].start : Array(rows[a].id.utf8).lexicographicallyPrecedes(Array(rows[b].id.utf8))
            }
            var left: [PinpointLine] = []
            for e in mine where e.sessionID == nil {
                if let i = spans.first(where: { rows[$0].start <= e.time && e.time <= rows[$0].end }) {
                    rows[i].events += 1
                    if e.type == "_userauth.sign_in" { rows[i].signIns += 1 }
                } else {
                    left.append(e)
                }
            }
            for e in left.sorted(by: { $0.time < $1.time }) {
                let i = rows.count - 1
                if i >= 0, rows[i].id.hasPrefix("\(user)-"), e.time - rows[i].end <= timeout {
                    rows[i].end = e.time
                    rows[i].events += 1
                    if e.type == "_userauth.sign_in" { rows[i].signIns += 1 }
                } else {
                    rows.append(("\(user)-\(e.time)", e.time, e.time, 1, e.type == "_userauth.sign_in" ? 1 : 0))
                }
            }
            let failures = lines.filter { $0.userID == user && $0.type == "_userauth.auth_fail" }.map(\.time)
            out += rows.sorted { ($0.start, $0.end, $0.id) < ($1.start, $1.end, $1.id) }.map { r in
                "\(r.id) \(r.start) \(r.end) \(r.events) \(r.signIns) \(failures.filter { r.start <= $0 && $0 <= r.end }.count)"
            }
        }
        return out
    }

    @Test("many users, shuffled and spilled: the same sessions as the rule computed naively")
    func againstNaive() {
        var random = SeededRandom(seed: 12)
        var events: [PinpointLine] = []
        let base = at("2026-03-01T08:00:00Z")
        for u in 0..<40 {
            for k in 0..<30 {
                let time = base + Int64(random.below(6 * 60)) * 60_000 + Int64(k)  // minutes of 6 h; no two of a user's alike
                let session = random.below(3) == 0 ? "s\(u)-\(random.below(4))" : nil
                let type = ["_userauth.sign_in", "pageView", "_userauth.auth_fail", "_session.start"][random.below(4)]
                var l = PinpointLine(type, at: time, user: "user\(u)", session: session, platform: ["ios", "android"][k % 2])
                if session != nil && random.below(4) == 0 { l.sessionStop = time + Int64(random.below(40)) * 60_000 }
                if session != nil && random.below(4) == 0 { l.sessionStart = time - Int64(random.below(40)) * 60_000 }
                events.append(l)
            }
        }
        let rows = InMemoryRun([("a", Array(events.shuffled(using: &random).ndjson.utf8))], spill: MemorySpillStore(), sessionMemory: 4096)
        #expect(rows.sessions.map { "\($0.id) \($0.start) \($0.end) \($0.events) \($0.signIns) \($0.authFailures)" } == Self.naive(events, timeout: 30 * 60_000))
        let counts = InMemoryRun(
            [("a", Array(events.reversed().ndjson.utf8))], spill: MemorySpillStore(), sessionMemory: 4096, sessionShards: 3, sessionRows: false)
        #expect(counts.reports == rows.reports)
        // The data exercise the rule: some sessionless events join, some form gap sessions.
        let joined = rows.sessions.filter { !$0.id.hasPrefix("user") }.reduce(0) { $0 + $1.events }
        let withID = events.filter { $0.sessionID != nil && $0.type != "_userauth.auth_fail" }.count
        #expect(joined > withID)
        #expect(rows.sessions.contains { $0.id.hasPrefix("user") })
    }
}
