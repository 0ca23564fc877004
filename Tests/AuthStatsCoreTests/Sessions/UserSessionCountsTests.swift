import Testing

@testable import AuthStatsCore

/// Each user's session count, sorted by user hash (`UserSessionCounts`): what the dictionary it
/// replaced answered, by appending, merging and walking.
@Suite("Per-user session counts, kept sorted by user hash")
struct UserSessionCountsTests {
    static func counts(_ pairs: [(UInt64, Int)]) -> UserSessionCounts {
        var counts = UserSessionCounts()
        for (user, n) in pairs { counts.append(user: user, count: n) }
        counts.finish()
        return counts
    }

    @Test("appended in order or not, the users come out ascending; a hash appended twice has its counts added")
    func appendAndFinish() {
        let ordered = Self.counts([(3, 1), (10, 2), (40, 5)])
        #expect(ordered.users == [3, 10, 40])
        #expect(ordered.counts == [1, 2, 5])
        let shuffled = Self.counts([(40, 5), (3, 1), (10, 2)])
        #expect(shuffled == ordered)
        let twice = Self.counts([(40, 5), (3, 1), (40, 2)])
        #expect(twice.users == [3, 40])
        #expect(twice.counts == [1, 7])
        #expect(Self.counts([]).isEmpty)
    }

    @Test("looked up by hash: the count, or nil for a user without one (below, between, above)")
    func lookUp() {
        let counts = Self.counts([(3, 1), (10, 2), (40, 5)])
        #expect(counts[3] == 1)
        #expect(counts[10] == 2)
        #expect(counts[40] == 5)
        for missing: UInt64 in [0, 4, 39, 41, .max] { #expect(counts[missing] == nil) }
        #expect(UserSessionCounts()[7] == nil)
    }

    @Test("two shards merged: ascending, each user once, a user of both with the two counts added")
    func merge() {
        var a = Self.counts([(1, 1), (5, 5), (9, 9)])
        a.merge(Self.counts([(2, 2), (5, 10), (12, 12)]))
        #expect(a.users == [1, 2, 5, 9, 12])
        #expect(a.counts == [1, 2, 15, 9, 12])
        var empty = UserSessionCounts()
        empty.merge(a)
        #expect(empty == a)
        a.merge(UserSessionCounts())
        #expect(a.users == [1, 2, 5, 9, 12])
    }

    @Test("a walk in ascending runs (one per segment lane) finds what a look-up finds")
    func cursor() {
        let counts = Self.counts([(2, 20), (4, 40), (6, 60), (8, 80)])
        // Two lanes' members one after the other, each ascending, with users that have no count.
        let walked: [UInt64] = [1, 2, 5, 6, 9, 0, 4, 7, 8, 8]
        var cursor = UserSessionCounts.Cursor(counts)
        for user in walked { #expect(cursor.count(of: user) == counts[user], "user \(user)") }
        var none = UserSessionCounts.Cursor(UserSessionCounts())
        #expect(none.count(of: 3) == nil)
    }
}
