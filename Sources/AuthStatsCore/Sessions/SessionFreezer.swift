/// Keeps what the nightly state needs of the session log (`docs/state.md` "Sessions and the
/// horizon"): the events of every session that a later event could still change, and each
/// session that none can, frozen whole (`FrozenSession`).
///
/// Later inputs hold only events from `cutoff + timeout` on (older ones are refused), so a
/// session that ended before `cutoff` can neither be extended by the gap rule nor hold a later
/// event in its span: it is final. Per user, with the sessions built as `Sessionizer` builds
/// them, the boundary `T` is the earliest start of a session that ends at or after `cutoff`,
/// lowered while a session straddles it; the sessions that end before `T` are frozen and
/// their events dropped, the events from `T` on are kept as they are. Every event lies in
/// its session's span, so each session is either wholly frozen or wholly kept. Auth failures,
/// which belong to no session but count on each whose span holds them, are kept from `cutoff`
/// on: a later event's session may still hold one that lies before `T`.
struct SessionFreezer {
    let timeoutMillis: Int64
    /// Sessions that end before this instant (epoch ms) are frozen; nil keeps every event.
    let cutoff: Int64?
    /// The report's days, by which copies are told (`LastRecord`).
    var clock: DayClock?

    /// Reads the sorted named records and hands each record to keep to `emit`.
    ///
    /// Sessions are built twice over at most: first their spans alone (no texts decoded, no
    /// rows), which decide the boundary; only a user with a session to freeze is built again
    /// with rows, to write them. Without a cutoff nothing is built: every record is kept.
    ///
    /// Compact records (a state without session rows) freeze into compact frozen records, of
    /// the spans alone: nothing is built a second time.
    func run(_ records: SortedRecords, emit: (UnsafeRawBufferPointer) -> Void) {
        let compact = records.compact
        var last = LastRecord(compact: compact, clock: clock)
        guard let cutoff else {
            while let bytes = records.next() {
                guard let r = SessionRecordView(bytes, compact: compact) else { continue }
                if case .copy = last.see(r) { continue }
                emit(bytes)
            }
            return
        }
        var spansOnly = UserSessions(timeoutMillis: timeoutMillis, rows: false)
        var withRows = UserSessions(timeoutMillis: timeoutMillis, rows: true)
        // The current user's records (copies dropped), to emit once their sessions are known.
        var arena: [UInt8] = []
        var spans: [(offset: Int, count: Int)] = []
        var anyUser = false
        var scratch: [UInt8] = []
        // The user's newly frozen sessions, encoded (their spans in `frozen`).
        var frozen: [UInt8] = []
        var frozenSpans: [(offset: Int, count: Int)] = []

        func finishUser() {
            defer {
                arena.removeAll(keepingCapacity: true)
                spans.removeAll(keepingCapacity: true)
            }
            let boundary = boundaryTime(spansOnly, cutoff: cutoff)
            // Newly frozen sessions are emitted with the user's kept records in byte order, as
            // the log's (a state's stream stays sorted, and is read back without a sort).
            frozen.removeAll(keepingCapacity: true)
            frozenSpans.removeAll(keepingCapacity: true)
            func emitFrozen() {
                scratch.withUnsafeBytes { bytes in
                    frozenSpans.append((frozen.count, bytes.count))
                    frozen.append(contentsOf: bytes)
                }
            }
            arena.withUnsafeBytes { raw in
                func record(_ i: Int) -> UnsafeRawBufferPointer {
                    UnsafeRawBufferPointer(rebasing: raw[spans[i].offset..<spans[i].offset + spans[i].count])
                }
                if compact {
                    // The spans are all a compact frozen session holds.
                    let user = SessionRecordView(record(0), compact: true)!.compactIdentity.0
                    var ordinals: [Int64: Int] = [:]
                    for (start, end) in zip(spansOnly.starts, spansOnly.ends) where end < boundary {
                        let ordinal = ordinals[start, default: 0]
                        ordinals[start] = ordinal + 1
                        scratch.removeAll(keepingCapacity: true)
                        FrozenSession.encodeCompact(user: user, start: start, end: end, ordinal: ordinal, into: &scratch)
                        emitFrozen()
                    }
                } else if spansOnly.ends.contains(where: { $0 < boundary }) {
                    // Something to freeze: the same sessions again, with their rows.
                    withRows.begin(user: SessionRecordView(record(0))!.user)
                    for i in spans.indices { withRows.add(SessionRecordView(record(i))!) }
                    let rows = withRows.liveRows()
                    for i in rows.indices where withRows.ends[i] < boundary {
                        scratch.removeAll(keepingCapacity: true)
                        FrozenSession.encode(rows[i], into: &scratch)
                        emitFrozen()
                    }
                }
                var kept: [UnsafeRawBufferPointer] = []
                for i in spans.indices {
                    let bytes = record(i)
                    let r = SessionRecordView(bytes, compact: compact)!
                    if r.sessionKey == SessionRecord.frozenKey || r.time >= boundary || keepsFailure(r) {
                        if frozenSpans.isEmpty { emit(bytes) } else { kept.append(bytes) }
                    }
                }
                guard !frozenSpans.isEmpty else { return }
                frozen.withUnsafeBytes { made in
                    kept += frozenSpans.map { UnsafeRawBufferPointer(rebasing: made[$0.offset..<$0.offset + $0.count]) }
                    kept.sort { $0.lexicographicallyPrecedes($1) }
                    kept.forEach(emit)
                }
            }
        }

        while let bytes = records.next() {
            guard let r = SessionRecordView(bytes, compact: compact) else { continue }
            switch last.see(r) {
            case .copy:
                continue
            case .nextUser:
                if anyUser { finishUser() }
                anyUser = true
                spansOnly.begin(user: "")
            case .sameUser:
                break
            }
            spansOnly.add(r)
            spans.append((arena.count, bytes.count))
            arena.append(contentsOf: bytes)
        }
        if anyUser { finishUser() }
    }

    /// Whether `r` is an auth failure that a later event could still bring into a session: one
    /// from `cutoff` on. It may lie before `T`, in no session yet (or be the user's only record
    /// there), and a later event's session can hold it; a failure before `cutoff` cannot be
    /// reached, and those inside frozen sessions are counted on them already.
    private func keepsFailure(_ r: SessionRecordView) -> Bool {
        guard let cutoff else { return true }
        return r.sessionKey == SessionRecord.failureKey && r.time >= cutoff
    }

    /// `T` for one user: `.max` when every session ended before `cutoff` (all frozen).
    private func boundaryTime(_ user: UserSessions, cutoff: Int64) -> Int64 {
        var boundary = Int64.max
        for (start, end) in zip(user.starts, user.ends) where end >= cutoff { boundary = min(boundary, start) }
        guard boundary < .max else { return .max }
        // A session that ends at or after T but starts before it is kept too, so T goes down to
        // the largest of T and the sessions' starts that no session straddles (starts before,
        // ends at or after). Usually none straddles T: one scan.
        guard zip(user.starts, user.ends).contains(where: { $0 < boundary && $1 >= boundary }) else { return boundary }
        // By start, with the latest end among the sessions before each: a start c is the
        // answer when every session that starts before c ends before it. O(s log s), where
        // lowering T one straddling session at a time was O(s²) for a bot's chain of sessions.
        let byStart = zip(user.starts, user.ends).sorted { $0.0 < $1.0 }
        var latestEndBefore = [Int64](repeating: .min, count: byStart.count + 1)
        for (i, span) in byStart.enumerated() { latestEndBefore[i + 1] = max(latestEndBefore[i], span.1) }
        var k = byStart.count - 1
        while k >= 0 {
            let start = byStart[k].0
            var first = k
            while first > 0 && byStart[first - 1].0 == start { first -= 1 }
            if start < boundary && latestEndBefore[first] < start { return start }
            k = first - 1
        }
        return byStart.first?.0 ?? boundary
    }
}
