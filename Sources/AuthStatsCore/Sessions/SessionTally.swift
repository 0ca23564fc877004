/// `SessionStats` as the sessionizer adds sessions to it, one at a time, without two
/// dictionary lookups a session (the day's, then the duration's inside it: ~6% of a night's
/// CPU, on the end phase's longest thread). Durations are counted in one open-addressing
/// table keyed by (day, seconds) and the users in an array by day; `stats` gives the same
/// `SessionStats` as `SessionStats.add(sessionOn:seconds:firstOfUserThatDay:)` would have.
/// Memory grows with days × distinct durations, as the stats' own does.
struct SessionTally {
    /// (day, seconds) + 1 packed in a word (0: an empty slot), and its count.
    private var keys: [UInt64]
    private var counts: [Int]
    private var used = 0
    private var shift: UInt64
    /// Durations that do not fit the packed key (none in practice: 136 years or more).
    private var outside = SessionStats()
    /// Users counted on each day from `firstDay` on.
    private var users: [Int] = []
    private var firstDay: Int32 = 0
    private var total = 0

    init() {
        keys = [UInt64](repeating: 0, count: 1 << 12)
        counts = [Int](repeating: 0, count: 1 << 12)
        shift = 64 - 12
    }

    @inline(__always)
    mutating func add(sessionOn day: Int32, seconds: Int64, firstOfUserThatDay: Bool) {
        total += 1
        if firstOfUserThatDay { countUser(day) }
        guard seconds >= 0 && seconds < 0xFFFF_FFFF else {
            return outside.add(sessionOn: day, seconds: seconds, firstOfUserThatDay: false)
        }
        let key = (UInt64(UInt32(bitPattern: day)) << 32 | UInt64(seconds)) + 1
        var i = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
        let mask = keys.count - 1
        while true {
            let k = keys[i]
            if k == key {
                counts[i] += 1
                return
            }
            if k == 0 { break }
            i = (i + 1) & mask
        }
        keys[i] = key
        counts[i] = 1
        used += 1
        if used * 2 > keys.count { grow() }
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

    private mutating func grow() {
        let (oldKeys, oldCounts) = (keys, counts)
        keys = [UInt64](repeating: 0, count: oldKeys.count * 2)
        counts = [Int](repeating: 0, count: oldKeys.count * 2)
        shift -= 1
        let mask = keys.count - 1
        for (key, count) in zip(oldKeys, oldCounts) where key != 0 {
            var i = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
            while keys[i] != 0 { i = (i + 1) & mask }
            keys[i] = key
            counts[i] = count
        }
    }

    /// The counts as `SessionStats`.
    var stats: SessionStats {
        var stats = outside
        stats.totalSessions = total
        for (key, count) in zip(keys, counts) where key != 0 {
            let day = Int32(bitPattern: UInt32(truncatingIfNeeded: (key - 1) >> 32))
            let seconds = Int64((key - 1) & 0xFFFF_FFFF)
            stats.days[day, default: SessionStats.Day()].sessions += count
            stats.days[day, default: SessionStats.Day()].durations[seconds, default: 0] += count
        }
        for (offset, n) in users.enumerated() where n > 0 {
            stats.days[firstDay + Int32(offset), default: SessionStats.Day()].users += n
        }
        return stats
    }
}

