/// One user's sessions, built record by record from the sorted session log: the session rule
/// of `docs/metrics.md` "Sessions", written once for session rows and for counts alone.
///
/// The log gives a user's records in the order of their session key (`SessionRecord`):
/// 1. each Pinpoint session's events together, in time order: the session of that id, from
///    the earliest of their times and `session.start_timestamp` to the latest of their times
///    and `session.stop_timestamp`;
/// 2. then the events without a session id, in time order. By now every session-id span is
///    final, so each one either joins the session-id session whose span [start, end] holds
///    it (the earliest-starting, then the smallest session id in byte order), or, when none
///    does, extends the last gap session (a gap up to the timeout) or opens a new one.
///    A joined event leaves the spans as they are and is no part of any gap;
/// 3. then the auth failures, each counted (on rows) on every session whose span holds it.
///
/// Spans (`starts`, `ends`) are always kept; `rows` adds a `Session` per span with its
/// names, counts and texts (for `sessions.csv`).
///
/// - Complexity: O(s log s) for the join order of s session-id sessions, then amortised
///   O(1) per event without a session id (time only moves forward, and so does the join
///   order's head); O(sessions) per auth failure, on rows only.
struct UserSessions {
    let timeoutMillis: Int64
    /// Whether `Session` rows are built; otherwise only the spans.
    let rows: Bool
    /// Epoch milliseconds of each session: the session-id sessions first (in session-key
    /// order), then the gap sessions in time order.
    private(set) var starts: [Int64] = []
    private(set) var ends: [Int64] = []
    /// With `rows`: each session's row, at the index of its span (start and end are set
    /// from the span by `sortedRows`).
    private var sessions: [Session] = []
    private var user = ""
    /// Session key of the session-id session opened last.
    private var lastKey: UInt64?
    /// Set by the user's first event without a session id: the session-id sessions
    /// (`0..<idSessions`) are complete from then on.
    private var sealed = false
    private var idSessions = 0
    /// The session-id sessions by (start, session id): the order in which they take in
    /// events without one. Every entry before `joinHead` ended before the current event.
    private var joinOrder: [Int] = []
    private var joinHead = 0
    /// Sessions the nightly state kept whole (`FrozenSession`): they come first and end before
    /// any event still held can reach them, so they take no part in joining; only counted.
    private(set) var frozenSpans: [(start: Int64, end: Int64)] = []
    private var frozenRows: [Session] = []

    init(timeoutMillis: Int64, rows: Bool) {
        self.timeoutMillis = timeoutMillis
        self.rows = rows
    }

    /// Starts the next user (`name` is only used on rows).
    mutating func begin(user name: String) {
        user = name
        starts.empty()
        ends.empty()
        sessions.empty()
        lastKey = nil
        sealed = false
        idSessions = 0
        joinOrder.empty()
        joinHead = 0
        frozenSpans.empty()
        frozenRows.empty()
    }

    /// Takes in the user's next record, in the log's order (a second delivery already dropped).
    mutating func add(_ r: SessionRecordView) {
        let key = r.sessionKey
        let time = r.time
        switch key {
        case SessionRecord.frozenKey:
            frozenSpans.append(FrozenSession.span(r))
            if rows { frozenRows.append(FrozenSession.decode(r, user: user)) }
        case SessionRecord.failureKey:
            guard rows else { return }  // auth failures only count on rows
            for i in sessions.indices where starts[i] <= time && time <= ends[i] { sessions[i].authFailures += 1 }
        case SessionRecord.noSession:
            if !sealed { seal() }
            if let i = joining(time) {
                count(r, in: i)
                return
            }
            let last = starts.count - 1
            if last >= idSessions && time - ends[last] <= timeoutMillis {
                ends[last] = time
                count(r, in: last)
            } else {
                open(r, start: time, end: time, fromSessionID: false)
            }
        default:
            assert(!sealed, "a session id's records after events without one: the log's order is broken")
            let start = min(time, r.sessionStart ?? .max)
            let end = max(time, r.sessionStop ?? .min)
            if key == lastKey {
                let i = starts.count - 1
                starts[i] = min(starts[i], start)
                ends[i] = max(ends[i], end)
                count(r, in: i)
            } else {
                lastKey = key
                open(r, start: start, end: end, fromSessionID: true)
            }
        }
    }

    /// The rows of the user's sessions, frozen ones too, by start, end and id (rows only).
    mutating func sortedRows() -> [Session] {
        var all = liveRows() + frozenRows
        all.sort { ($0.start, $0.end, $0.id) < ($1.start, $1.end, $1.id) }
        return all
    }

    /// The rows of the sessions built from events (not frozen ones), in span order (rows only).
    mutating func liveRows() -> [Session] {
        precondition(rows, "no rows were built")
        for i in sessions.indices {
            sessions[i].start = starts[i]
            sessions[i].end = ends[i]
        }
        return sessions
    }

    /// A new session whose first event is `r`: a session-id session, or a gap session
    /// (named `<user>-<start ms>`).
    private mutating func open(_ r: SessionRecordView, start: Int64, end: Int64, fromSessionID: Bool) {
        starts.append(start)
        ends.append(end)
        guard rows else { return }
        // The texts of the session's first event (read once per session, not per event).
        let (platform, appVersion, sessionID) = r.texts
        let id = fromSessionID ? sessionID ?? "" : "\(user)-\(start)"
        var session = Session(user: user, id: id, start: start, end: end, platform: platform, appVersion: appVersion)
        session.events = 1
        session.signIns = r.kind == .signIn ? 1 : 0
        sessions.append(session)
    }

    @inline(__always)
    private mutating func count(_ r: SessionRecordView, in i: Int) {
        guard rows else { return }
        sessions[i].events += 1
        if r.kind == .signIn { sessions[i].signIns += 1 }
    }

    /// Fixes the session-id sessions and orders them for joining.
    private mutating func seal() {
        sealed = true
        idSessions = starts.count
        joinOrder.append(contentsOf: 0..<idSessions)
        guard idSessions > 1 else { return }
        if rows {
            joinOrder.sort { a, b in
                starts[a] != starts[b] ? starts[a] < starts[b] : sessions[a].id.utf8.lexicographicallyPrecedes(sessions[b].id.utf8)
            }
        } else {
            // Counts only: no session id is read. Which of two spans that start together an
            // event joins changes no count (its time is inside both), so the key order stands in.
            joinOrder.sort { a, b in starts[a] != starts[b] ? starts[a] < starts[b] : a < b }
        }
    }

    /// The session-id session that an event without a session id at `time` joins, if any:
    /// the first in `joinOrder` whose span holds it. Times only grow, so a span that ended
    /// before `time` is passed for good.
    @inline(__always)
    private mutating func joining(_ time: Int64) -> Int? {
        while joinHead < joinOrder.count && ends[joinOrder[joinHead]] < time { joinHead += 1 }
        guard joinHead < joinOrder.count, starts[joinOrder[joinHead]] <= time else { return nil }
        return joinOrder[joinHead]
    }
}

extension Array {
    /// Empties the array, keeping its storage, one `removeLast()` at a time:
    /// `removeAll(keepingCapacity:)` costs ~85 instructions even for one element (its generic
    /// `replaceSubrange`), ~70 on an empty array too, and a user holds a few sessions and days
    /// (a day's 12,318 users: `begin` 6.0 → 3.4 M instructions with the empty ones passed over).
    @inline(__always) mutating func empty() {
        while !isEmpty { removeLast() }
    }
}
