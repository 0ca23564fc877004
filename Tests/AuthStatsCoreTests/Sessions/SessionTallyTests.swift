import AuthStatsTestSupport
import Testing

@testable import AuthStatsCore

/// The sessionizer counts sessions in a `SessionTally` (one open-addressing table) rather
/// than in `SessionStats`' nested dictionaries: the stats must come out the same.
@Suite("Session counts tallied without dictionaries")
struct SessionTallyTests {
    @Test("the same stats as SessionStats.add, sessions in any order", arguments: [0, 1, 5_000, 200_000])
    func sameStats(sessions: Int) {
        var random = SeededRandom(seed: UInt64(sessions) + 7)
        var plain = SessionStats()
        var tally = SessionTally()
        for n in 0..<sessions {
            // Days on both sides of 0 and far apart (the users' array grows both ways), short
            // and long sessions, and a few that do not fit the packed key.
            let day = n % 97 == 0 ? Int32(-3) : Int32(20_000 + Int(random.next() % 60)) + (n % 1000 == 0 ? 400 : 0)
            let seconds: Int64 = n % 5003 == 0 ? 0x1_0000_0000 + Int64(n) : Int64(random.next() % (n % 3 == 0 ? 7200 : 90))
            let first = random.next() % 3 == 0
            plain.add(sessionOn: day, seconds: seconds, firstOfUserThatDay: first)
            tally.add(sessionOn: day, seconds: seconds, firstOfUserThatDay: first)
        }
        let stats = tally.stats
        #expect(stats == plain)
        #expect(stats.totalSessions == sessions)
        let medians = { (stats: SessionStats) in stats.days.keys.sorted().map { stats.days[$0]!.medianSeconds } }
        #expect(medians(stats) == medians(plain))
    }

    @Test("a day with sessions but no new user, and the longest duration the key holds")
    func edges() {
        var plain = SessionStats()
        var tally = SessionTally()
        // The users' array grows downward too (a first user on day 20,000, then on -3), and a
        // negative duration (end before start: not made by the sessionizer) is still counted.
        for (day, seconds, first) in [
            (Int32(20_000), Int64(60), true), (-3, 5, true), (Int32(5), Int64(0xFFFF_FFFE), false), (5, 0xFFFF_FFFF, false),
            (0, 0, false), (0, 0, true), (7, -2, true),
        ] {
            plain.add(sessionOn: day, seconds: seconds, firstOfUserThatDay: first)
            tally.add(sessionOn: day, seconds: seconds, firstOfUserThatDay: first)
        }
        #expect(tally.stats == plain)
        #expect(tally.stats.days[5]?.users == 0 && tally.stats.days[0]?.users == 1)
        #expect(tally.stats.days[-3]?.users == 1 && tally.stats.days[20_000]?.users == 1 && tally.stats.days[7]?.durations[-2] == 1)
    }
}
