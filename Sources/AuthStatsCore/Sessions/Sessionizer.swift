/// Rebuilds every user's sessions from the sorted session log (`metrics.md` §9).
///
/// The log arrives one user at a time (`SessionLog.withSorted`): first the events without a
/// Pinpoint session id in time order, split where a gap exceeds the timeout; then each
/// Pinpoint session's events together; then the user's auth failures, each counted on every
/// session whose span holds it. Identical deliveries that dedup could only spot at the end
/// sort next to each other and are dropped here. Memory: one user's sessions at a time.
public struct Sessionizer {
    public let timeoutMillis: Int64
    public var clock: DayClock

    public init(timeoutMillis: Int64, clock: DayClock) {
        self.timeoutMillis = timeoutMillis
        self.clock = clock
    }

    /// Builds the sessions of every user in `records`; `each` receives them (by user, then
    /// start) when given.
    public mutating func run(_ records: SortedRecords, each: ((Session) -> Void)? = nil) -> SessionStats {
        var stats = SessionStats()
        var userKey: [UInt8] = []
        var userName = ""
        var sessions: [Session] = []
        var failures: [Int64] = []
        var previous: [UInt8] = []
        var currentKey: UInt64?
        var clock = self.clock
        var userDays: [Int32] = []
        // Without `each`, only the counts are wanted: no texts are decoded, no rows sorted.
        let detail = each != nil
        precondition(!detail || !records.compact, "session rows need the named session log")
        if records.compact { return counts(records) }

        func finishUser() {
            guard !userKey.isEmpty else { return }
            userDays.removeAll(keepingCapacity: true)
            for session in sessions {
                let day = clock.day(ofMillis: session.start).index
                let first = !userDays.contains(day)
                if first { userDays.append(day) }
                stats.add(sessionOn: day, seconds: session.durationSeconds, firstOfUserThatDay: first)
            }
            if let each {
                for t in failures {
                    for i in sessions.indices where sessions[i].start <= t && t <= sessions[i].end { sessions[i].authFailures += 1 }
                }
                sessions.sort { ($0.start, $0.end, $0.id) < ($1.start, $1.end, $1.id) }
                sessions.forEach(each)
            }
            sessions.removeAll(keepingCapacity: true)
            failures.removeAll(keepingCapacity: true)
            currentKey = nil
        }

        while let bytes = records.next() {
            guard let r = SessionRecordView(bytes) else { continue }
            let identity = r.identity
            if previous.count == identity.count && previous.withUnsafeBytes({ memcmp($0.baseAddress!, identity.baseAddress!, identity.count) == 0 }) {
                continue  // the same delivery twice: the copy from the earliest input came first
            }
            previous.removeAll(keepingCapacity: true)
            previous.append(contentsOf: identity)
            let user = r.encodedUser
            if userKey.count != user.count || !userKey.withUnsafeBytes({ memcmp($0.baseAddress!, user.baseAddress!, user.count) == 0 }) {
                finishUser()
                userKey.removeAll(keepingCapacity: true)
                userKey.append(contentsOf: user)
                userName = detail ? r.user : ""
            }
            let key = r.sessionKey
            let time = r.time
            if key == SessionRecord.failureKey {
                failures.append(time)
                continue
            }
            let extendsLast: Bool
            if key == SessionRecord.noSession {
                extendsLast = currentKey == SessionRecord.noSession && time - sessions[sessions.count - 1].end <= timeoutMillis
            } else {
                extendsLast = currentKey == key
            }
            let kind = r.kind
            if extendsLast {
                let i = sessions.count - 1
                sessions[i].start = min(sessions[i].start, time, r.sessionStart ?? .max)
                sessions[i].end = max(sessions[i].end, time, r.sessionStop ?? .min)
                sessions[i].events += 1
                if kind == .signIn { sessions[i].signIns += 1 }
            } else {
                let (platform, appVersion, sessionID) = detail ? r.texts : ("", "", "")
                var session = Session(
                    user: userName, id: detail ? sessionID ?? "\(userName)-\(time)" : "",
                    start: min(time, r.sessionStart ?? .max), end: max(time, r.sessionStop ?? .min), platform: platform,
                    appVersion: appVersion)
                session.events = 1
                session.signIns = kind == .signIn ? 1 : 0
                sessions.append(session)
                currentKey = key
            }
        }
        finishUser()
        return stats
    }

    /// `run` for compact records (counts only): the same rules, with identities and users
    /// compared as words and only each session's span kept. Auth failures only count on
    /// session rows, so they are passed over.
    private func counts(_ records: SortedRecords) -> SessionStats {
        var stats = SessionStats()
        var clock = self.clock
        var previous: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var hasPrevious = false
        var user: UInt64 = 0
        var hasUser = false
        var starts: [Int64] = [], ends: [Int64] = []
        var currentKey: UInt64?
        var userDays: [Int32] = []

        func finishUser() {
            userDays.removeAll(keepingCapacity: true)
            for i in starts.indices {
                let day = clock.day(ofMillis: starts[i]).index
                let first = !userDays.contains(day)
                if first { userDays.append(day) }
                stats.add(sessionOn: day, seconds: (ends[i] - starts[i]) / 1000, firstOfUserThatDay: first)
            }
            starts.removeAll(keepingCapacity: true)
            ends.removeAll(keepingCapacity: true)
            currentKey = nil
        }

        while let bytes = records.next() {
            guard let r = SessionRecordView(bytes, compact: true) else { continue }
            let identity = r.compactIdentity
            let key = r.sessionKey
            if key == SessionRecord.failureKey { continue }
            if hasPrevious && identity == previous { continue }  // the same delivery twice
            previous = identity
            hasPrevious = true
            if !hasUser || identity.0 != user {
                if hasUser { finishUser() }
                user = identity.0
                hasUser = true
            }
            let time = r.time
            let sessionStart = r.sessionStart ?? .max
            let sessionStop = r.sessionStop ?? .min
            let extendsLast: Bool
            if key == SessionRecord.noSession {
                extendsLast = currentKey == SessionRecord.noSession && time - ends[ends.count - 1] <= timeoutMillis
            } else {
                extendsLast = currentKey == key
            }
            if extendsLast {
                let i = starts.count - 1
                starts[i] = min(starts[i], time, sessionStart)
                ends[i] = max(ends[i], time, sessionStop)
            } else {
                starts.append(min(time, sessionStart))
                ends.append(max(time, sessionStop))
                currentKey = key
            }
        }
        if hasUser { finishUser() }
        return stats
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
