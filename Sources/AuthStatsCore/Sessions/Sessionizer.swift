/// Rebuilds every user's sessions from the sorted session log (`metrics.md` §9).
///
/// The log arrives one user at a time (`SessionLog.sorted()`): first the events without a
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
    public mutating func run(_ records: inout SortedRecords, each: ((Session) -> Void)? = nil) -> SessionStats {
        var stats = SessionStats()
        var user: String?
        var sessions: [Session] = []
        var failures: [Int64] = []
        var previous: (String, UInt64, Int64, UInt64)?
        var currentKey: UInt64?

        func finishUser() {
            guard let name = user else { return }
            for t in failures {
                for i in sessions.indices where sessions[i].start <= t && t <= sessions[i].end { sessions[i].authFailures += 1 }
            }
            sessions.sort { ($0.start, $0.end, $0.id) < ($1.start, $1.end, $1.id) }
            stats.add(userSessions: sessions.map { ($0, clock.day(ofMillis: $0.start)) })
            if let each { sessions.forEach(each) }
            _ = name
            sessions.removeAll(keepingCapacity: true)
            failures.removeAll(keepingCapacity: true)
            currentKey = nil
        }

        while let r = records.next() {
            let identity = (r.user, r.sessionKey, r.time, r.fingerprint)
            if let p = previous, p == identity { continue }  // the same delivery twice
            previous = identity
            if r.user != user {
                finishUser()
                user = r.user
            }
            if r.sessionKey == SessionRecord.failureKey {
                failures.append(r.time)
                continue
            }
            let extendsLast: Bool
            if r.sessionKey == SessionRecord.noSession {
                extendsLast = currentKey == SessionRecord.noSession && r.time - sessions[sessions.count - 1].end <= timeoutMillis
            } else {
                extendsLast = currentKey == r.sessionKey
            }
            if extendsLast {
                let i = sessions.count - 1
                sessions[i].start = min(sessions[i].start, r.time, r.sessionStart ?? .max)
                sessions[i].end = max(sessions[i].end, r.time, r.sessionStop ?? .min)
                sessions[i].events += 1
                if r.kind == .signIn { sessions[i].signIns += 1 }
            } else {
                let start = min(r.time, r.sessionStart ?? .max)
                var session = Session(
                    user: r.user, id: r.sessionID ?? "\(r.user)-\(r.time)", start: start,
                    end: max(r.time, r.sessionStop ?? .min), platform: r.platform, appVersion: r.appVersion)
                session.events = 1
                session.signIns = r.kind == .signIn ? 1 : 0
                sessions.append(session)
                currentKey = r.sessionKey
            }
        }
        finishUser()
        return stats
    }
}
