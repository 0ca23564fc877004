/// `SessionStats` as the sessionizer adds sessions to it, one at a time, without two
/// dictionary lookups a session (the day's, then the duration's inside it: ~6% of a night's
/// CPU, on the end phase's longest thread). Durations are counted in one open-addressing
/// table keyed by (day, seconds) and the users in an array by day; `stats` gives the same
/// `SessionStats` as `SessionStats.add(sessionOn:seconds:firstOfUserThatDay:)` would have.
/// Memory grows with days × distinct durations, as the stats' own does.
struct SessionTally {
    /// Sessions by (day, seconds) packed in a word (no such key is the table's `empty`).
    private var counts = PackedKeyTable(initial: 0, capacityLog2: 12)
    /// Durations that do not fit the packed key (none in practice: 136 years or more).
    private var outside = SessionStats()
    /// Users counted on each day from `firstDay` on.
    private var users: [Int] = []
    private var firstDay: Int32 = 0
    private var total = 0

    @inline(__always)
    mutating func add(sessionOn day: Int32, seconds: Int64, firstOfUserThatDay: Bool) {
        total += 1
        if firstOfUserThatDay { countUser(day) }
        guard seconds >= 0 && seconds < 0xFFFF_FFFF else {
            return outside.add(sessionOn: day, seconds: seconds, firstOfUserThatDay: false)
        }
        counts.update(UInt64(UInt32(bitPattern: day)) << 32 | UInt64(seconds)) { $0 += 1 }
    }

    @inline(__always)
    private mutating func countUser(_ day: Int32) {
        if users.isEmpty { firstDay = day }
        if day < firstDay {
            users.insert(contentsOf: repeatElement(0, count: Int(firstDay) - Int(day)), at: 0)
            firstDay = day
        }
        let at = Int(day) - Int(firstDay)
        if at >= users.count { users.append(contentsOf: repeatElement(0, count: at - users.count + 1)) }
        users[at] += 1
    }

    /// The counts as `SessionStats`.
    var stats: SessionStats {
        var stats = outside
        stats.totalSessions = total
        counts.forEach { key, count in
            let day = Int32(bitPattern: UInt32(truncatingIfNeeded: key >> 32))
            let seconds = Int64(key & 0xFFFF_FFFF)
            stats.days[day, default: SessionStats.Day()].sessions += count
            stats.days[day, default: SessionStats.Day()].durations[seconds, default: 0] += count
        }
        for (offset, n) in users.enumerated() where n > 0 {
            stats.days[firstDay + Int32(offset), default: SessionStats.Day()].users += n
        }
        return stats
    }
}

