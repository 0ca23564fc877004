/// One visit of one user (`docs/metrics.md` "Sessions"), as `sessions.csv` writes it.
public struct Session: Sendable, Equatable {
    public var user: String
    /// The Pinpoint session id, or `<user>-<start ms>` for a session found by the gap rule.
    public var id: String
    /// Epoch milliseconds.
    public var start: Int64
    public var end: Int64
    /// Its activity events (with those that joined it without a session id) and sign-ins.
    public var events = 0
    public var signIns = 0
    /// The user's auth failures inside [start, end].
    public var authFailures = 0
    /// Of the session's first event; for a Pinpoint session, its first event with its session
    /// id (an event that joined it without one changes neither).
    public var platform: String
    public var appVersion: String

    /// Whole seconds, rounded down.
    public var durationSeconds: Int64 { (end - start) / 1000 }

    /// The columns of `sessions.csv`.
    public static let columns = [
        "user_id", "session_id", "start", "end", "duration_seconds", "events", "sign_ins", "auth_failures", "platform",
        "app_version",
    ]

    /// This session as a row of `sessions.csv` (times ISO 8601 in UTC, to the millisecond).
    public var cells: [ReportTable.Cell] {
        [
            .text(user), .text(id), .text(Timestamps.isoString(millis: start)), .text(Timestamps.isoString(millis: end)),
            .integer(Int(durationSeconds)), .integer(events), .integer(signIns), .integer(authFailures), .text(platform),
            .text(appVersion),
        ]
    }
}

/// Session counts per day of the session's start.
public struct SessionStats: Sendable, Equatable {
    public struct Day: Sendable, Equatable {
        public var sessions = 0
        public var users = 0
        /// How many sessions lasted each number of seconds (for an exact median).
        var durations: [Int64: Int] = [:]

        /// The nearest-rank median: the ⌈n/2⌉-th smallest duration; 0 when there is none.
        public var medianSeconds: Int64 {
            guard sessions > 0 else { return 0 }
            let rank = (sessions + 1) / 2
            var seen = 0
            for (seconds, count) in ascendingDurations() {
                seen += count
                if seen >= rank { return seconds }
            }
            return 0
        }

        /// `durations` by ascending seconds. When they are dense (spread over at most 8 seconds
        /// an entry, as a real day's are: most sessions last seconds to minutes), each is put in
        /// a table at its seconds and read back in order, with no comparison; else the pairs
        /// are sorted. (Sorted through a closure they took ~19 M instructions for the bench
        /// set's 61 days, and a night sorts them twice: for the median, and for the totals it
        /// saves.)
        func ascendingDurations() -> [(seconds: Int64, count: Int)] {
            guard let first = durations.first else { return [] }
            var (low, high) = (first.key, first.key)
            for seconds in durations.keys {
                low = min(low, seconds)
                high = max(high, seconds)
            }
            let (span, overflow) = high.subtractingReportingOverflow(low)
            guard !overflow, span / 8 < Int64(durations.count) else {
                return durations.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            }
            var slots = [Int?](repeating: nil, count: Int(span) + 1)
            for (seconds, count) in durations { slots[Int(seconds - low)] = count }
            return slots.enumerated().compactMap { offset, count in count.map { (low + Int64(offset), $0) } }
        }
    }

    public var days: [Int32: Day] = [:]
    public var totalSessions = 0
    /// With `Sessionizer.userDays`: each user's sessions starting on those days, by user hash.
    public var userSessions = UserSessionCounts()

    public init() {}

    /// Adds the counts of `other`, made from other users (another shard).
    public mutating func merge(_ other: SessionStats) {
        userSessions.merge(other.userSessions)
        add(other, sign: 1)
    }

    /// Adds (`sign` 1) or subtracts (−1) the counts of `other`, but not its users' session
    /// counts (`userSessions`); days and durations that come to zero are dropped (`ReportTotals`
    /// takes a night's users out and back in).
    mutating func add(_ other: SessionStats, sign: Int) {
        totalSessions += sign * other.totalSessions
        for (index, day) in other.days {
            // Taken out, not copied: its durations are then changed in place.
            var mine = days.removeValue(forKey: index) ?? Day()
            mine.sessions += sign * day.sessions
            mine.users += sign * day.users
            for (seconds, count) in day.durations {
                let total = mine.durations[seconds, default: 0] + sign * count
                mine.durations[seconds] = total == 0 ? nil : total
            }
            days[index] = mine.sessions == 0 && mine.users == 0 && mine.durations.isEmpty ? nil : mine
        }
    }

    /// Adds one session of a user, on the day it started; `firstOfUserThatDay` when the user
    /// has no other session counted on that day.
    @inline(__always)
    mutating func add(sessionOn day: Int32, seconds: Int64, firstOfUserThatDay: Bool) {
        days[day, default: Day()].add(seconds: seconds, newUser: firstOfUserThatDay)
        totalSessions += 1
    }
}

extension SessionStats.Day {
    @inline(__always)
    mutating func add(seconds: Int64, newUser: Bool) {
        sessions += 1
        durations[seconds, default: 0] += 1
        if newUser { users += 1 }
    }
}
