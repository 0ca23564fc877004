#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Rebuilds every user's sessions from the sorted session log (`docs/metrics.md` "Sessions").
///
/// The log arrives one user at a time (`SessionLog.withSorted`); `UserSessions` applies the
/// session rule to each user's records. Identical deliveries that dedup could only spot at
/// the end sort next to each other and are dropped here. Memory: one user's sessions at a
/// time.
public struct Sessionizer {
    public let timeoutMillis: Int64
    public var clock: DayClock
    /// When set, each user's sessions starting on these days are counted in
    /// `SessionStats.userSessions` (for segment profiles).
    public var userDays: ClosedRange<Int32>?

    public init(timeoutMillis: Int64, clock: DayClock) {
        self.timeoutMillis = timeoutMillis
        self.clock = clock
    }

    /// Builds the sessions of every user in `records`; `each` receives them (by user, then
    /// start) when given. Without `each`, only the counts are wanted: no texts are decoded,
    /// no rows built or sorted (and the records may be compact).
    public mutating func run(_ records: SortedRecords, each: ((Session) -> Void)? = nil) -> SessionStats {
        precondition(each == nil || !records.compact, "session rows need the named session log")
        var tally = SessionTally()
        var userSessions = UserSessionCounts()
        var clock = self.clock
        var user = UserSessions(timeoutMillis: timeoutMillis, rows: each != nil)
        var last = LastRecord(compact: records.compact, clock: clock)
        var userDays: [Int32] = []
        var anyUser = false
        let countRange = self.userDays
        var userHash: UInt64 = 0

        func finishUser() {
            userDays.empty()
            var inRange = 0
            func count(_ start: Int64, _ end: Int64) {
                let day = clock.day(ofMillis: start).index
                let first = !userDays.contains(day)
                if first { userDays.append(day) }
                tally.add(sessionOn: day, seconds: (end - start) / 1000, firstOfUserThatDay: first)
                if let countRange, countRange.contains(day) { inRange += 1 }
            }
            for (start, end) in zip(user.starts, user.ends) { count(start, end) }
            for span in user.frozenSpans { count(span.start, span.end) }
            if inRange > 0 { userSessions.append(user: userHash, count: inRange) }
            if let each { user.sortedRows().forEach(each) }
        }

        while let bytes = records.next() {
            guard let r = SessionRecordView(bytes, compact: records.compact) else { continue }
            switch last.see(r) {
            case .copy:
                continue  // the same delivery twice: the copy from the earliest input came first
            case .nextUser:
                if anyUser { finishUser() }
                anyUser = true
                if countRange != nil { userHash = records.compact ? r.compactIdentity.0 : UserID(r.user).hash }
                user.begin(user: each != nil ? r.user : "")
            case .sameUser:
                break
            }
            user.add(r)
        }
        if anyUser { finishUser() }
        var stats = tally.stats
        userSessions.finish()
        stats.userSessions = userSessions
        return stats
    }
}

/// The record read last, to drop a second delivery of it and to see where the next user
/// begins. Compact records compare as words, named ones by their bytes.
///
/// A second delivery is the same bytes up to the input position (identical deliveries sort
/// next to each other), or, for an event without a session id or an auth failure (the activity
/// log's and CloudTrail's, whose key is an id: `docs/metrics.md` "Duplicates"), a record of
/// the user with the same fingerprint on the same day of `clock` at another time. Of those,
/// the earliest in time is kept (they come in time order). Until 2026-12-05 such a copy, which
/// the counts took back, still counted in the sessions.
struct LastRecord {
    enum Seen { case copy, sameUser, nextUser }

    let compact: Bool
    /// The report's days; nil: identical copies only.
    private var clock: DayClock?
    private var any = false
    /// A compact record's identity (`SessionRecordView.compactIdentity`).
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    /// A named record's identity, and how many of its first bytes are the encoded user.
    private var identity: [UInt8] = []
    private var userCount = 0
    /// The user's records without a session id and auth failures so far: fingerprint, time.
    private var idKeyed: [(fingerprint: UInt64, time: Int64)] = []
    /// Their fingerprints once there are more than `scanned` of them (a look-up instead of a
    /// scan; a hit is then checked in `idKeyed`).
    private var idKeyedSet = Set<UInt64>()
    private static let scanned = 32

    init(compact: Bool, clock: DayClock? = nil) {
        self.compact = compact
        self.clock = clock
    }

    /// How `r` relates to the record before it; it becomes the last record. (Inlined: it runs
    /// for every record of the session log.)
    @inline(__always)
    mutating func see(_ r: SessionRecordView) -> Seen {
        defer { any = true }
        let seen: Seen
        if compact {
            let next = r.compactIdentity
            if any && next == words { return .copy }
            seen = any && next.0 == words.0 ? .sameUser : .nextUser
            words = next
        } else {
            let next = r.identity
            if any && identity.count == next.count
                && identity.withUnsafeBytes({ memcmp($0.baseAddress!, next.baseAddress!, next.count) == 0 })
            {
                return .copy
            }
            let user = r.encodedUser
            let sameUser =
                any && userCount == user.count
                && identity.withUnsafeBytes { memcmp($0.baseAddress!, user.baseAddress!, user.count) == 0 }
            identity.removeAll(keepingCapacity: true)
            identity.append(contentsOf: next)
            userCount = user.count
            seen = sameUser ? .sameUser : .nextUser
        }
        guard clock != nil else { return seen }
        if case .nextUser = seen, !idKeyed.isEmpty { forgetUser() }
        // `noSession` and `failureKey` are the two largest keys.
        guard r.sessionKey >= SessionRecord.noSession else { return seen }
        let fingerprint = r.fingerprint
        if idKeyed.count < Self.scanned {
            var candidate = false
            for entry in idKeyed where entry.fingerprint == fingerprint {
                candidate = true
                break
            }
            if !candidate {
                idKeyed.append((fingerprint, r.time))
                return seen
            }
        }
        return isCopyAtAnotherTime(fingerprint, r.time) ? .copy : seen
    }

    @inline(never)
    private mutating func forgetUser() {
        idKeyed.empty()
        if !idKeyedSet.isEmpty { idKeyedSet.removeAll() }
    }

    /// Whether the user had a record with `fingerprint` on the day of `time`; else notes it.
    /// (The rare path: a fingerprint met before, or a user past `scanned` such records.)
    @inline(never)
    private mutating func isCopyAtAnotherTime(_ fingerprint: UInt64, _ time: Int64) -> Bool {
        var candidate = true
        if idKeyed.count >= Self.scanned {
            if idKeyedSet.isEmpty { for entry in idKeyed { idKeyedSet.insert(entry.fingerprint) } }
            candidate = !idKeyedSet.insert(fingerprint).inserted
        }
        if candidate {
            let day = clock!.day(ofMillis: time)
            for entry in idKeyed where entry.fingerprint == fingerprint && clock!.day(ofMillis: entry.time) == day {
                return true
            }
        }
        idKeyed.append((fingerprint, time))
        return false
    }
}
