import AuthStatsTestSupport
import Testing

@testable import AuthStatsCore

@Suite("Sessions (docs/metrics.md, Sessions), hand-built users")
struct SessionizerTests {
    func at(_ iso: String) -> Int64 { PinpointLine.millis(iso) }

    func line(_ type: String, _ iso: String, user: String = "u1", session: String? = nil, start: String? = nil, stop: String? = nil) -> PinpointLine {
        PinpointLine(type, iso: iso, user: user, session: session, start: start, stop: stop)
    }

    func summary(_ sessions: [Session]) -> [String] {
        sessions.map { "\($0.user) \($0.id) \(Timestamps.isoString(millis: $0.start)) \($0.durationSeconds)s \($0.events)e \($0.signIns)si \($0.authFailures)af" }
    }

    @Test("a Pinpoint session runs from the earliest of its times and start_timestamp to the latest of its times and stop_timestamp")
    func explicit() {
        let run = InMemoryRun([
            line("_session.start", "2026-03-01T10:00:00Z", session: "s1", start: "2026-03-01T09:59:50Z"),
            line("pageView", "2026-03-01T10:05:00Z", session: "s1", start: "2026-03-01T09:59:50Z"),
            line("_session.stop", "2026-03-01T10:20:00Z", session: "s1", start: "2026-03-01T09:59:50Z", stop: "2026-03-01T10:20:30Z"),
        ])
        #expect(summary(run.sessions) == ["u1 s1 2026-03-01T09:59:50.000Z 1240s 3e 0si 0af"])
        #expect(run.day("2026-03-01").map { [$0.sessions, $0.sessionUsers, Int($0.medianSessionSeconds)] } == [1, 1, 1240])
    }

    @Test("a session known only from its _session.stop")
    func stopOnly() {
        let run = InMemoryRun([line("_session.stop", "2026-03-01T10:20:00Z", session: "s9", start: "2026-03-01T10:00:00Z", stop: "2026-03-01T10:20:00Z")])
        #expect(summary(run.sessions) == ["u1 s9 2026-03-01T10:00:00.000Z 1200s 1e 0si 0af"])
    }

    @Test("a session whose events arrive in two files is one session")
    func twoFiles() {
        let a = [line("_session.start", "2026-03-01T10:00:00Z", session: "s1"), line("pageView", "2026-03-01T11:30:00Z", session: "s1")]
        let b = [line("_session.stop", "2026-03-01T12:00:00Z", session: "s1", start: "2026-03-01T10:00:00Z", stop: "2026-03-01T12:00:00Z")]
        let run = InMemoryRun([("late.ndjson", Array(b.ndjson.utf8)), ("early.ndjson", Array(a.ndjson.utf8))])
        // An hour and a half between events does not split a Pinpoint session: its id holds it together.
        #expect(summary(run.sessions) == ["u1 s1 2026-03-01T10:00:00.000Z 7200s 3e 0si 0af"])
    }

    @Test("without session ids: a gap equal to the timeout stays one session; a millisecond more splits")
    func gap() {
        let events = [
            line("_userauth.sign_in", "2026-03-01T10:00:00Z"), line("pageView", "2026-03-01T10:30:00Z"),  // gap = 30 min
            PinpointLine("pageView", at: at("2026-03-01T11:00:00Z") + 1, user: "u1"),  // gap = 30 min + 1 ms
        ]
        let run = InMemoryRun(events)
        #expect(summary(run.sessions) == [
            "u1 u1-\(at("2026-03-01T10:00:00Z")) 2026-03-01T10:00:00.000Z 1800s 2e 1si 0af",
            "u1 u1-\(at("2026-03-01T11:00:00Z") + 1) 2026-03-01T11:00:00.001Z 0s 1e 0si 0af",
        ])
        // A longer timeout joins them.
        #expect(InMemoryRun(events, sessionTimeout: "45m").sessions.count == 1)
        #expect(InMemoryRun(events, sessionTimeout: "90s").sessions.count == 3)
    }

    @Test("an event without a session id outside every session-id span makes a gap session, however close (docs/metrics.md, Sessions)")
    func mixedIDs() {
        let run = InMemoryRun([
            line("_session.start", "2026-03-01T10:00:00Z", session: "s1"),
            line("_session.stop", "2026-03-01T10:10:00Z", session: "s1"),
            line("_userauth.sign_in", "2026-03-01T10:10:05Z"),
        ])
        #expect(run.sessions.map(\.id) == ["s1", "u1-\(at("2026-03-01T10:10:05Z"))"])
    }

    @Test("auth failures inside a session's span count on it; failures alone make no session")
    func failures() {
        let run = InMemoryRun([
            line("_session.start", "2026-03-01T10:00:00Z", session: "s1"),
            line("_userauth.auth_fail", "2026-03-01T10:01:00Z"),
            line("_userauth.auth_fail", "2026-03-01T10:02:00Z", session: "s1"),
            line("_userauth.sign_in", "2026-03-01T10:03:00Z", session: "s1"),
            line("_session.stop", "2026-03-01T10:10:00Z", session: "s1"),
            line("_userauth.auth_fail", "2026-03-01T15:00:00Z"),
            line("_userauth.auth_fail", "2026-03-02T15:00:00Z", user: "u2"),
        ])
        #expect(summary(run.sessions) == ["u1 s1 2026-03-01T10:00:00.000Z 600s 3e 1si 2af"])
    }

    @Test("a session across midnight belongs to the day it started, in the report time zone")
    func midnight() {
        let events = [
            line("_session.start", "2026-03-01T18:20:00Z", session: "s1"),  // Kolkata 23:50
            line("_session.stop", "2026-03-01T18:40:00Z", session: "s1"),  // Kolkata 00:10 next day
            line("_session.start", "2026-03-01T23:50:00Z", user: "u2", session: "s2"),
            line("_session.stop", "2026-03-02T00:10:00Z", user: "u2", session: "s2"),
        ]
        let utc = InMemoryRun(events)
        #expect(utc.reports.daily.map { "\($0.date) \($0.sessions) \($0.medianSessionSeconds)" } == ["2026-03-01 2 1200", "2026-03-02 0 0"])
        let kolkata = InMemoryRun(events, timeZone: "Asia/Kolkata")
        #expect(kolkata.reports.daily.map { "\($0.date) \($0.sessions)" } == ["2026-03-01 1", "2026-03-02 1"])
    }

    @Test("reversed (or shuffled) input gives identical sessions and reports")
    func orderIndependent() {
        var events: [PinpointLine] = []
        for u in 0..<20 {
            for k in 0..<12 {
                let t = at("2026-03-01T08:00:00Z") + Int64((u * 7919 + k * 611) % 50) * 600_000 + Int64(k) * 1000
                events.append(PinpointLine(k % 4 == 0 ? "_userauth.sign_in" : k % 5 == 0 ? "_userauth.auth_fail" : "pageView", at: t,
                                           user: "user\(u)", session: k % 3 == 0 ? "s\(u)-\(k % 2)" : nil, platform: ["ios", "android"][k % 2]))
            }
        }
        let sorted = InMemoryRun(events.sorted { $0.time < $1.time })
        let reversed = InMemoryRun(Array(events.sorted { $0.time < $1.time }.reversed()))
        var shuffler = SeededRandom(seed: 7)
        let shuffled = InMemoryRun(events.shuffled(using: &shuffler))
        #expect(reversed.sessions == sorted.sessions)
        #expect(shuffled.sessions == sorted.sessions)
        #expect(reversed.reports == sorted.reports)
        #expect(shuffled.reports == sorted.reports)
        // Users split over shards, each sessionized on its own: the same daily counts.
        let sharded = InMemoryRun([("s", Array(events.ndjson.utf8))], sessionShards: 3) { $0.sessionThreads = 1 }
        #expect(sharded.reports == sorted.reports)
        // The shards on threads of their own (a big machine's end phase), spilled: the same.
        for threads in [2, 3, 8] {
            let parallel = InMemoryRun(
                [("s", Array(events.ndjson.utf8))], spill: MemorySpillStore(), sessionMemory: 2048, sessionShards: 3
            ) { $0.sessionThreads = threads }
            #expect(parallel.reports == sorted.reports)
            #expect(parallel.accumulator.sessionLogs.isEmpty)
        }
        #expect(sorted.sessions.count > 40)
    }

    @Test("spilled, with duplicates found only at the end: the same sessions as in memory")
    func spilled() {
        var events: [PinpointLine] = []
        for u in 0..<30 {
            for k in 0..<8 { events.append(PinpointLine("pageView", at: at("2026-03-01T08:00:00Z") + Int64(u * 100_000 + k * 700_000), user: "u\(u)")) }
        }
        let text = Array((events + events.prefix(50)).ndjson.utf8)  // 50 deliveries twice, far apart
        let plain = InMemoryRun([("a", text)])
        let spilled = InMemoryRun([("a", text)], dedupCapacity: 16, spill: MemorySpillStore(), sessionMemory: 2048)
        #expect(spilled.sessions == plain.sessions)
        #expect(spilled.reports == plain.reports)
        #expect(spilled.accumulator.sessionLogs.isEmpty)  // consumed by the session pass
        #expect(plain.sessions.reduce(0) { $0 + $1.events } == 240)
    }

    @Test("counts only (compact session records), spilled, sharded, duplicates found at the end: the same reports")
    func compactSpilled() {
        var events: [PinpointLine] = []
        for u in 0..<30 {
            for k in 0..<8 {
                events.append(PinpointLine(k % 3 == 0 ? "_session.start" : "pageView", at: at("2026-03-01T08:00:00Z") + Int64(u * 100_000 + k * 700_000),
                                           user: "u\(u)", session: k < 4 ? "s\(u)" : nil))
            }
        }
        let text = Array((events + events.prefix(50)).ndjson.utf8)  // 50 deliveries twice, far apart
        let named = InMemoryRun([("a", text)])
        let compact = InMemoryRun([("a", text)], dedupCapacity: 16, spill: MemorySpillStore(), sessionMemory: 2048, sessionShards: 2)
        #expect(compact.sessions.isEmpty)  // no rows without names
        #expect(compact.reports == named.reports)
        #expect(named.reports.daily.contains { $0.sessions > 0 })
    }

    @Test("counts only (compact records): start/stop timestamps, gaps, failures, a copy, midnight in a time zone, as with rows")
    func compactCounts() throws {
        let events = [
            line("_session.start", "2026-03-01T10:00:00Z", session: "s1", start: "2026-03-01T09:59:50Z"),
            line("pageView", "2026-03-01T10:05:00Z", session: "s1", start: "2026-03-01T09:59:50Z"),
            line("_userauth.auth_fail", "2026-03-01T10:06:00Z"),
            line("_session.stop", "2026-03-01T10:20:00Z", session: "s1", start: "2026-03-01T09:59:50Z", stop: "2026-03-01T10:20:30Z"),
            line("_userauth.sign_in", "2026-03-01T11:00:00Z"),
            line("pageView", "2026-03-01T11:30:00Z"),
            line("pageView", "2026-03-01T12:00:01Z"),  // 30 min 1 s later: a new gap session
            line("_session.stop", "2026-03-01T18:40:00Z", user: "u2", session: "s2", start: "2026-03-01T18:20:00Z", stop: "2026-03-01T18:40:00Z"),
            line("_userauth.auth_fail", "2026-03-02T15:00:00Z", user: "u3"),
        ]
        let text = Array((events + [events[5]]).ndjson.utf8)  // one delivery twice
        for zone in ["UTC", "Asia/Kolkata"] {
            let rows = InMemoryRun([("a", text)], timeZone: zone)
            let counts = InMemoryRun([("a", text)], timeZone: zone, sessionRows: false)
            #expect(counts.sessions.isEmpty)
            #expect(counts.reports == rows.reports)
            #expect(rows.sessions.count == 4)
        }
        // By hand, in UTC: s1 1240 s, the gap sessions 1800 s and 0 s, s2 1200 s: of 0, 1200, 1240,
        // 1800 the median (the 2nd) is 1200.
        let utc = InMemoryRun([("a", text)], sessionRows: false)
        let day = try #require(utc.day("2026-03-01"))
        #expect([day.sessions, day.sessionUsers, Int(day.medianSessionSeconds)] == [4, 2, 1200])
    }

    @Test("an event is encoded into the session log and read back field by field")
    func encodeFromEvent() throws {
        var dims = DimensionValues()
        dims[.platform] = "ios"
        dims[.appVersion] = "2.0"
        let fingerprint = Fingerprint(fields: ["x"])
        let events = [
            Event(time: 1_000, source: .pinpoint, kind: .session, user: "u-1", fingerprint: fingerprint,
                  sessionID: "s-1", sessionStart: 900, sessionStop: 2_000, dimensions: dims),
            Event(time: 5_000, source: .pinpoint, kind: .app, user: "u\u{0}\u{1}2", fingerprint: fingerprint, dimensions: dims),
            Event(time: 7_000, source: .cloudtrail, kind: .authFailure, user: "u-3", fingerprint: fingerprint,
                  sessionID: "ignored", dimensions: DimensionValues()),
        ]
        // What each event's record must say: (user, session key class, platform, version, session id).
        let expected: [(String, String, String, String, String?)] = [
            ("u-1", "hashed", "ios", "2.0", "s-1"), ("u\u{0}\u{1}2", "none", "ios", "2.0", nil),
            ("u-3", "failure", "(unknown)", "(unknown)", nil),
        ]
        for (event, want) in zip(events, expected) {
            var bytes: [UInt8] = []
            SessionRecord.encode(event, position: 42, into: &bytes)
            try bytes.withUnsafeBytes { raw in
                let view = try #require(SessionRecordView(raw))
                #expect(view.user == want.0)
                let key = view.sessionKey
                #expect((key == SessionRecord.noSession ? "none" : key == SessionRecord.failureKey ? "failure" : "hashed") == want.1)
                #expect(view.time == event.time && view.kind == event.kind)
                #expect(view.sessionStart == event.sessionStart && view.sessionStop == event.sessionStop)
                let (platform, version, session) = view.texts
                #expect(platform == want.2 && version == want.3 && session == want.4)
            }
            // The compact layout (counts only): the user's hash, the same fixed fields, no texts.
            var compact: [UInt8] = []
            SessionRecord.encodeCompact(event, position: 42, into: &compact)
            #expect(compact.count == SessionRecord.compactCount)
            try compact.withUnsafeBytes { raw in
                let view = try #require(SessionRecordView(raw, compact: true))
                #expect(Array(view.encodedUser) == withUnsafeBytes(of: event.user!.hash.bigEndian) { Array($0) })
                try bytes.withUnsafeBytes { named in
                    let full = try #require(SessionRecordView(named))
                    #expect(view.sessionKey == full.sessionKey && view.time == full.time && view.kind == full.kind)
                    #expect(view.sessionStart == full.sessionStart && view.sessionStop == full.sessionStop)
                    #expect(view.identity.count == 32 && Array(view.identity.suffix(24)) == Array(full.identity.suffix(24)))
                }
            }
        }
        let anonymous = Event(time: 1, source: .pinpoint, kind: .session, user: nil, fingerprint: fingerprint, dimensions: dims)
        let account = Event(time: 1, source: .cloudtrail, kind: .account, user: "u", fingerprint: fingerprint, dimensions: dims)
        #expect(!SessionRecord.takesPart(anonymous))
        #expect(!SessionRecord.takesPart(account))
    }

    @Test("median: nearest rank, the ⌈n/2⌉-th smallest")
    func median() {
        var day = SessionStats.Day()
        #expect(day.medianSeconds == 0)
        for (seconds, expected) in [(10, 10), (30, 10), (20, 20), (40, 20), (50, 30)] as [(Int64, Int64)] {
            day.sessions += 1
            day.durations[seconds, default: 0] += 1
            #expect(day.medianSeconds == expected)
        }
    }

    @Test("durations in ascending order: by a table when dense, sorted otherwise, whatever the seconds and counts")
    func ascendingDurations() {
        var generator = SystemRandomNumberGeneratorStandIn(seed: 7)
        let cases: [[Int64: Int]] = [
            [:],
            [42: 3],
            // Dense, as a day's are; with a negative duration (a clock step) among them.
            Dictionary(uniqueKeysWithValues: (0..<500).map { (Int64($0 * 3) - 4, Int.random(in: 1...9, using: &generator)) }),
            // Sparse: two clusters far apart (the sort).
            [1: 1, 2: 5, 86_400 * 30: 2, 7: 1],
            // Spans that overflow, and extreme counts (Int.min was once the table's empty mark).
            [Int64.min: 1, Int64.max: 2, 0: 3],
            [5: Int.min, 6: 1, 7: 2],
            [-3: 0, -2: 1, -1: 4],
            // Dense at the ends of Int64; spans that do not overflow but are far too wide for a
            // table (a weaker density check would trap or allocate without bound).
            [Int64.max - 3: 1, Int64.max: 2],
            [Int64.min: 1, Int64.min + 2: 4],
            [0: 1, Int64.max: 1],
            [Int64.min: 1, -1: 1],
            // Either side of the threshold (a span below 8 slots an entry), negative counts.
            [0: 1, 15: 1],
            [0: 1, 16: 1],
            [1: -5, 2: 3, 4: -1],
        ]
        for durations in cases {
            var day = SessionStats.Day()
            day.durations = durations
            let expected = durations.sorted { $0.key < $1.key }.map { [$0.key, Int64($0.value)] }
            #expect(day.ascendingDurations().map { [$0.seconds, Int64($0.count)] } == expected, "\(durations.count) durations")
        }
    }

    @Test("durations on the command line", arguments: [("90s", 90_000), ("45m", 2_700_000), ("2h", 7_200_000), ("1h30m", 5_400_000), ("500ms", 500)] as [(String, Int64)])
    func durations(text: String, millis: Int64) {
        #expect(Duration.parseMillis(text) == millis)
    }

    @Test("not durations", arguments: ["", "30", "m", "1x", "-5m", "1.5h"])
    func notDurations(text: String) {
        #expect(Duration.parseMillis(text) == nil)
    }
}

