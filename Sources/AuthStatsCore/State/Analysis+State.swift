import Foundation

/// The nightly state's contents (`docs/state.md`): what an analysis has gathered, written as
/// streams (`StateStreamWriter`) and read back into a fresh analysis before its new inputs.
///
/// The accumulator is a sufficient statistic, so most of it is written as it stands: the
/// dimension profiles, the (day, profile) counters, the (user, day, profile) activity triples,
/// the users, each user's events per day by kind and the profile observations. Event-level
/// detail is kept only where a later input can still change the result: the fingerprints
/// of the horizon's days (a later copy is found and taken back) and the session events of
/// sessions that a later event could join; older sessions are frozen (`SessionFreezer`).
extension Analysis {
    /// Stream names, one per table (`docs/state.md` "Tables").
    enum Stream {
        static let profiles = "profiles"
        static let counters = "counters"
        static let activity = "activity"
        static let users = "users"
        /// The fingerprints as schema version 1 kept them, every day in one stream: read (whole)
        /// beside the buckets below until the state is next written whole, never written.
        static let fingerprints = "fingerprints"
        /// The fingerprints, in `fingerprintBuckets` streams by their day (`docs/state.md`
        /// "Tables"): a copy of a record has the record's day, so a night reads only the
        /// buckets of its batch's days (a quarter of the horizon's fingerprints for one day's
        /// files, which span two days).
        static let fingerprintBuckets = DuplicateFilter.dayGroups
        static func fingerprints(bucket: Int) -> String { "fingerprints.\(bucket)" }
        static func fingerprintBucket(day: Int32) -> Int { DuplicateFilter.group(ofDay: day) }
        /// Every stream that may hold fingerprints, with its bucket: the version-1 one (nil:
        /// every day), then the buckets.
        static let fingerprintStreams: [(name: String, bucket: Int?)] =
            [(fingerprints, nil)] + (0..<fingerprintBuckets).map { (fingerprints(bucket: $0), $0) }
        static let allFingerprints = fingerprintStreams.map(\.name)
        static let sessions = "sessions"
        static let kinds = "kinds"
        static let observations = "observations"
        static let totals = "totals"
        static let parity = "parity"
    }

    /// The table a stream belongs to, for `state info`'s sizes: the fingerprints' buckets are one.
    public static func table(ofStream name: String) -> String {
        name.hasPrefix(Stream.fingerprints + ".") ? Stream.fingerprints : name
    }

    /// The scope of a project's analysis (`--by-project`); the run's own is "".
    static func scope(ofProject id: String) -> String { "project/" + id }

    /// What a restore reads.
    public enum StateUse: Sendable {
        /// Everything: to write the state whole again (a compaction, a merge).
        case everything
        /// All but the fingerprints: the duplicates in it are resolved already (reports).
        case reports
        /// The profiles and the fingerprints only: a batch counts its new events against them
        /// and appends what they add (`StateWrite.batch`).
        case batch
    }

    /// How `save` writes.
    public enum StateWrite: Sendable {
        /// The whole state (after `removeAllChunks`), event detail kept from `detailFrom` on
        /// (nil: all of it), older sessions frozen.
        /// `reported`: reports are built from this analysis afterwards (its logs are then
        /// read without being consumed); a shard's state is only merged.
        case whole(detailFrom: Day?, reported: Bool = true)
        /// Appends what this batch adds: its new profiles, its events' counts, activity,
        /// users, kinds, observations, the fingerprints and session events of its inputs
        /// (those from `firstPosition` on).
        case batch(firstPosition: UInt64)
    }

    /// Sets the inputs `summary.json` lists: those of the batch read into the state (an
    /// analysis restored from it has read none itself).
    public func adoptInputs(_ inputs: [InputReport]) { self.inputs = inputs }

    /// Takes in a saved state, before any input is read or merged in (its profile ids are
    /// kept as they were).
    ///
    /// - Parameter sessionRows: whether the state's session records are named (user ids and
    ///   texts) or compact (nil: as this analysis keeps its log). Named records read into a
    ///   compact log lose their names; compact ones cannot be read into a named log.
    /// - Parameter batch: with `.batch`, the batch about to be merged in: only the state's
    ///   fingerprints that could be copies of its own are read in, when its fingerprints are
    ///   all in memory (a night's are); the others cannot change what the batch adds.
    /// - Parameter inPlace: with `.everything`, read the state's fingerprints and compact
    ///   session events in place at the end (`StateStreamRuns`, failures noted in `failure`)
    ///   rather than copy them into the temporary store now, when the state was written whole
    ///   in one batch (its caller knows; each of those streams is then one sorted run) and
    ///   `source` stays open, and is used by no one else, until the end's merges have read
    ///   them. `label` names the state in messages.
    /// - Parameter positionShift: added to every input position the state holds (its
    ///   fingerprints', session events' and profile observations'), for a merge of states
    ///   whose positions were numbered apart (`PositionSpaces`); frozen sessions keep theirs (0).
    ///   Only with `.everything`, and never with `inPlace` (runs read in place are as stored).
    public func restore(
        from source: any StateChunkSource, for use: StateUse = .everything, sessionRows: Bool? = nil, batch: Analysis? = nil,
        inPlace: (label: String, failure: StateReadFailure)? = nil, positionShift: UInt64 = 0
    ) throws {
        precondition(positionShift == 0 || (inPlace == nil && batch == nil), "positions are shifted only as a state is copied in whole")
        // Every scope's runs read through one lock: one connection serves them all.
        let inPlace = inPlace.map { InPlace(label: $0.label, failure: $0.failure, source: LockedChunkSource(source)) }
        try restore(
            from: source, scope: "", use: use, sessionRows: sessionRows,
            matching: batch.flatMap { $0.state.pointee.accumulator.dedup.windowFingerprints() }, inPlace: inPlace,
            shift: positionShift)
        guard configuration.byProject else { return }
        for scope in try source.scopes(of: Stream.totals) where scope.hasPrefix("project/") {
            try child(String(scope.dropFirst("project/".count))).restore(
                from: source, scope: scope, use: use, sessionRows: sessionRows, inPlace: inPlace, shift: positionShift)
        }
    }

    /// How a state's streams are read in place (`restore`'s `inPlace`): through `source`, a
    /// lock around the state's connection shared by its scopes.
    private struct InPlace {
        let label: String
        let failure: StateReadFailure
        let source: any StateChunkSource
    }

    private func restore(
        from source: any StateChunkSource, scope: String, use: StateUse, sessionRows: Bool?, matching: BatchFingerprints? = nil,
        inPlace: InPlace? = nil, shift: UInt64 = 0
    ) throws {
        let expected = try restoreProfiles(from: source, scope: scope)
        if case .batch = use {
            return try restoreFingerprints(from: source, scope: scope, matching: matching)
        }
        // Measured here, before the two threads share the connection. The session events in
        // place only into a compact log from compact records (named ones lose their names as
        // they are read, `restoreTheRest`).
        let compactLog = field(\.sessionLogs).pointee.first?.compact ?? false
        let inPlaceRuns = try inPlace.map { inPlace in
            try StateStreamRuns.runs(
                of: inPlace.source, scope: scope, label: inPlace.label, profiles: expected, failure: inPlace.failure,
                sessions: compactLog && !(sessionRows ?? !compactLog))
        }
        // Two threads, each reading its own streams into its own parts of the accumulator: the
        // fingerprints, the activity and the users on one, the rest on the other. Each on a
        // connection of its own when the source has a second one (a state file), else sharing
        // it, chunks copied out under a lock (`LockedChunkSource`). A night's restore took 0.30 s
        // on one core.
        let signal = StopSignal()
        let bases: [any StateChunkSource]
        if let other = try source.concurrentSource() {
            bases = [other, source]
        } else {
            let locked = LockedChunkSource(source)
            bases = [locked, locked]
        }
        let sources = bases.map { StoppableChunkSource($0, signal: signal) }
        try bothAtOnce(
            {
                try self.restoreFingerprintsAndActivity(
                    from: sources[0], scope: scope, use: use, profiles: expected, fingerprintRuns: inPlaceRuns?.fingerprints, shift: shift)
            },
            {
                try self.restoreTheRest(
                    from: sources[1], scope: scope, sessionRows: sessionRows, profiles: expected, sessionRun: inPlaceRuns?.sessions,
                    shift: shift)
            },
            stop: signal.stop)
    }

    /// Takes in the state's profiles (their ids kept: the first, before anything else);
    /// returns how many.
    /// (`fromSeq`: the profiles of the chunks from that one on, after those taken in before.)
    /// (Through a pointer to the table alone: a night reads a user's session events on another
    /// thread meanwhile.)
    func restoreProfiles(from source: any StateChunkSource, scope: String, fromSeq: Int? = nil) throws -> UInt64 {
        let table = field(\.table)
        var expected = UInt32(fromSeq == nil ? 0 : table.pointee.profileCount)
        func take(_ raw: UnsafeRawBufferPointer) throws {
            let id = table.pointee.profile(of: try Self.profileValues(raw), withholding: false)
            guard id == expected else { throw StateFormatError("profile \(expected) repeats profile \(id)") }
            expected += 1
        }
        try StateStreamReader.forEach(source, name: Stream.profiles, scope: scope, fromSeq: fromSeq, take)
        restoredProfiles = Int(expected)
        return UInt64(expected)
    }

    /// A pointer to one field of the accumulator, for a restore thread: accesses through it
    /// are to that field alone (`state.pointee` is the whole tuple).
    func field<Value>(_ path: WritableKeyPath<MetricsAccumulator, Value>) -> UnsafeMutablePointer<Value> {
        guard let field = state.pointer(to: \.accumulator)?.pointer(to: path) else {
            preconditionFailure("\(path) is not a stored property of the accumulator: a restore thread cannot have it alone")
        }
        return field
    }

    /// What is read is checked before it is used as an index or a range: a chunk's checksum
    /// finds damage, not a state written by something else.
    static func day(_ word: UInt64, _ name: String) throws -> Int32 {
        let day = Int64(bitPattern: word)
        guard Self.days.contains(day) else { throw StateFormatError("a record of \(name) has day \(day)") }
        return Int32(day)
    }

    static func profile(_ word: UInt64, _ name: String, of profiles: UInt64) throws -> UInt32 {
        guard word < profiles else { throw StateFormatError("a record of \(name) names profile \(word) of \(profiles)") }
        return UInt32(word)
    }

    /// `restore`'s first part: the fingerprints (for `.everything`), the activity, the kinds and
    /// the users.
    /// (`fingerprintRuns`: the fingerprints read in place, `restore`'s `inPlace`.)
    private func restoreFingerprintsAndActivity(
        from source: any StateChunkSource, scope: String, use: StateUse, profiles: UInt64, fingerprintRuns: [SpilledRun]?, shift: UInt64
    ) throws {
        // Each thread reaches only its own fields, through pointers to them: an access through
        // `state.pointee` would be one to the whole accumulator, racing the other thread's.
        let activity = field(\.activity)
        let kinds = field(\.userKinds)
        if case .everything = use {
            if let fingerprintRuns {
                field(\.dedup).pointee.adopt(fingerprintRuns)
            } else {
                try restoreFingerprints(from: source, scope: scope, shift: shift)
            }
        }
        // Both streams are written in (user, day) order (each batch's part of them): no sort again.
        try StateStreamReader.forEachWords(source, name: Stream.activity, scope: scope, count: 4) { w in
            activity.pointee.appendInOrder(
                user: w[0], day: try Self.day(w[1], Stream.activity), profile: try Self.profile(w[2], Stream.activity, of: profiles),
                Int32(truncatingIfNeeded: w[3]))
        }
        activity.pointee.endInOrder()
        if kinds.pointee != nil {
            try StateStreamReader.forEachWords(source, name: Stream.kinds, scope: scope, count: 4) { w in
                guard let kind = UInt32(exactly: w[2]).flatMap(UserKind.init(rawValue:)) else {
                    throw StateFormatError("a record of \(Stream.kinds) has kind \(w[2])")
                }
                kinds.pointee!.appendInOrder(
                    user: w[0], day: try Self.day(w[1], Stream.kinds), profile: kind.rawValue, Int32(truncatingIfNeeded: w[3]))
            }
            kinds.pointee!.endInOrder()
        }
        // The users here, not on the other thread: the session events make that one the longer.
        let users = field(\.users)
        // Room for them at once: a record is a one-byte length and a varint of at most 10 bytes,
        // ~10.5 for a random hash (a million users' stream is ~10.5 MB), so bytes / 10 is ~5%
        // more than they are (which can round the table up to the next power of two: 16 MB
        // where 8 would do, for a set that is merged into the whole and let go).
        let stored = try source.streamSize(name: Stream.users, scope: scope).bytes
        users.pointee.reserve(users.pointee.count + stored / 10)
        try StateStreamReader.forEachWords(source, name: Stream.users, scope: scope, count: 1) { w in
            users.pointee.insert(w[0])
        }
    }

    /// `restore`'s second part: the counters, the sessions, the observations, the totals and
    /// what parity left out.
    /// (`sessionRun`: the session events read in place, `restore`'s `inPlace`.)
    private func restoreTheRest(
        from source: any StateChunkSource, scope: String, sessionRows: Bool?, profiles: UInt64, sessionRun: SpilledRun?, shift: UInt64
    ) throws {
        try restoreCounts(from: source, scope: scope, profiles: profiles)
        let sessionLogs = field(\.sessionLogs)
        let profileLog = field(\.profileLog)
        precondition(sessionLogs.pointee.count == 1, "a state run keeps one session log")
        let compact = sessionLogs.pointee[0].compact
        let named = sessionRows ?? !compact
        guard named || compact else { throw StateFormatError("the state keeps no session rows (user ids and texts)") }
        let notOurs = FixedSizeRecords.notASessionRecord
        // A record whose position is moved (`shift`) is copied here first.
        var shifted: [UInt8] = []
        if let sessionRun {
            sessionLogs.pointee[0].adopt(sessionRun)
        } else if !named {
            // Compact records, 57 bytes each: walked at that stride, and sorted (each batch's
            // part of the stream): no sort again.
            try StateStreamReader.forEachChunk(source, name: Stream.sessions, scope: scope) { chunk in
                var records = FixedSizeRecords.compactSessions(chunk)
                while let raw = try records.next() {
                    guard let r = SessionRecordView(raw, compact: true), r.isWellFormed else { throw StateFormatError(notOurs) }
                    r.shiftingPosition(by: shift, scratch: &shifted) { sessionLogs.pointee[0].appendInOrder($0) }
                }
            }
        } else {
            var scratch: [UInt8] = []
            try StateStreamReader.forEach(source, name: Stream.sessions, scope: scope) { raw in
                guard let r = SessionRecordView(raw, compact: false), r.isWellFormed else { throw StateFormatError(notOurs) }
                if compact {
                    // Named records lose their names, and their order with them.
                    scratch.removeAll(keepingCapacity: true)
                    SessionRecord.compactForm(of: r, into: &scratch)
                    scratch.withUnsafeBytes { compactRaw in
                        SessionRecordView(compactRaw, compact: true)!.shiftingPosition(by: shift, scratch: &shifted) {
                            sessionLogs.pointee[0].appendRecord($0)
                        }
                    }
                } else {
                    // The stream is sorted (each batch's part of it): no sort again.
                    r.shiftingPosition(by: shift, scratch: &shifted) { sessionLogs.pointee[0].appendInOrder($0) }
                }
            }
        }
        sessionLogs.pointee[0].endInOrder()
        if profileLog.pointee != nil {
            try StateStreamReader.forEach(source, name: Stream.observations, scope: scope) { raw in
                guard raw.count >= ProfileLog.headerBytes else { throw StateFormatError("an observation is cut short") }
                ProfileLog.shiftingPosition(of: raw, by: shift, scratch: &shifted) { profileLog.pointee!.appendRecord($0) }
            }
        }
    }

    /// The counters, the totals and what parity left out.
    func restoreCounts(from source: any StateChunkSource, scope: String, profiles: UInt64) throws {
        let counts = field(\.counters)
        let events = field(\.events)
        let duplicates = field(\.duplicates)
        try StateStreamReader.forEachWords(source, name: Stream.counters, scope: scope, count: 6) { w in
            let key = MetricsAccumulator.DayProfile(
                day: try Self.day(w[0], Stream.counters), profile: try Self.profile(w[1], Stream.counters, of: profiles))
            var counters = MetricsAccumulator.Counters()
            counters.signUps = Int(truncatingIfNeeded: w[2])
            counters.signIns = Int(truncatingIfNeeded: w[3])
            counters.authFailures = Int(truncatingIfNeeded: w[4])
            counters.events = Int(truncatingIfNeeded: w[5])
            counts.pointee.add(key, counters)
        }
        try StateStreamReader.forEachWords(source, name: Stream.totals, scope: scope, count: 2) { w in
            events.pointee += Int(truncatingIfNeeded: w[0])
            duplicates.pointee += Int(truncatingIfNeeded: w[1])
        }
        var parity: [ParityReason: Int] = [:]
        try StateStreamReader.forEachWords(source, name: Stream.parity, scope: scope, count: 2) { w in
            guard let reason = ParityReason(rawValue: UInt8(truncatingIfNeeded: w[0])) else {
                throw StateFormatError("unknown parity reason \(w[0])")
            }
            parity[reason, default: 0] += Int(truncatingIfNeeded: w[1])
        }
        parityLeftOut.merge(parity, uniquingKeysWith: +)
    }

    /// After the last input: resolves the duplicates and writes everything the state keeps
    /// to `sink`. Event-level detail is kept from `detailFrom` on (nil: all of it): the
    /// fingerprints of those days, and the events of sessions that an event of those days
    /// could still change. Written whole with reports to follow, the session and profile logs
    /// are read without being consumed: the reports sessionize the log as it was, which gives
    /// the sessions the frozen ones stand for.
    public func save(to sink: any StateChunkSink, _ write: StateWrite) throws {
        settle()
        try save(to: sink, scope: "", write)
        for id in projectIDs {
            try projects[ExactText(id)]!.save(to: sink, scope: Self.scope(ofProject: id), write)
        }
    }

    private func save(to sink: any StateChunkSink, scope: String, _ write: StateWrite) throws {
        var detailFrom: Day?
        var firstPosition: UInt64 = 0
        var firstProfile = 0
        var readAgain = true
        switch write {
        case .whole(let from, let reported):
            detailFrom = from
            readAgain = reported
        case .batch(let position):
            firstPosition = position
            firstProfile = restoredProfiles
            readAgain = false
        }
        let pointer = state
        // The sessions are frozen and written on another thread while this one resolves the
        // duplicates and writes the other streams (one connection, taken in turns).
        let sink = LockedChunkSink(sink)
        let sessions = try saveSessions(to: sink, scope: scope, detailFrom: detailFrom, readAgain: readAgain)
        // On this thread's error the sessions' thread stops at its next record (the sink
        // refuses every call after a failed one, on either thread).
        defer { sessions.cancelAndWait() }
        func stream(_ name: String, _ body: (inout StateStreamWriter) throws -> Void) throws {
            var writer = try StateStreamWriter(sink, name: name, scope: scope)
            try body(&writer)
            try writer.finish()
        }
        func word(_ day: Int32) -> UInt64 { UInt64(bitPattern: Int64(day)) }

        // The duplicates first: the fingerprints that stay are written as they are found, each
        // into its day's bucket (a writer made when its first fingerprint comes; 256 KiB chunks,
        // so that the eight buffers hold 2 MiB, not 8: a first run's peak RSS rose 9 MB). The
        // buckets are the filter's day groups, resolved two at a time on two threads: each
        // bucket's slot is touched by one thread only.
        let buckets = UnsafeMutableBufferPointer<BucketWrite>.allocate(capacity: Stream.fingerprintBuckets)
        buckets.initialize(repeating: BucketWrite())
        defer {
            buckets.deinitialize()
            buckets.deallocate()
        }
        let found = pointer.pointee.accumulator.resolveDuplicates { bucket, fingerprint, counted in
            if let detailFrom, counted.day < detailFrom.index { return }
            if counted.input < firstPosition { return }  // a batch's own only: the others are in the state
            assert(bucket == Stream.fingerprintBucket(day: counted.day), "a day group is a bucket")
            let slot = buckets.baseAddress! + bucket
            guard slot.pointee.failure == nil else { return }
            var entry: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
            do {
                if slot.pointee.writer == nil {
                    slot.pointee.writer = try StateStreamWriter(
                        sink, name: Stream.fingerprints(bucket: bucket), scope: scope, chunkBytes: StateStreamWriter.defaultChunkBytes / 4)
                }
                try withUnsafeMutableBytes(of: &entry) { raw in
                    FingerprintLog.encode(fingerprint, counted, into: raw, at: 0)
                    try slot.pointee.writer!.add(UnsafeRawBufferPointer(raw))
                }
            } catch { slot.pointee.failure = error }
        }
        takeBack(found)
        if let failure = buckets.lazy.compactMap(\.failure).first { throw failure }
        for index in buckets.indices { try buckets[index].writer?.finish() }
        let accumulator = pointer.pointee.accumulator
        func triples(_ table: ActivityTable, _ writer: inout StateStreamWriter) throws {
            var groups = table.groups()
            var sums: [(profile: UInt32, count: Int32)] = []
            while let (user, day) = groups.next(sums: &sums) {
                for (profile, count) in sums where count > 0 {
                    try writer.add(words: [user, word(day), UInt64(profile), UInt64(count)])
                }
            }
        }
        // The activity triples (the largest of these streams) on a thread of their own beside
        // the rest; all of them after the duplicates, whose counts they hold taken back. (A
        // shard of eight wrote them one after another on one thread, ~35 ms alone at its end.)
        try bothAtOnce(
            {
                try stream(Stream.activity) { try triples(accumulator.activity, &$0) }
                if let kinds = accumulator.userKinds { try stream(Stream.kinds) { try triples(kinds, &$0) } }
            },
            {
                try stream(Stream.profiles) { writer in
                    for id in firstProfile..<accumulator.table.profileCount {
                        try writer.add(Self.profileRecord(accumulator.table.values(ofProfile: UInt32(id))))
                    }
                }
                try stream(Stream.counters) { writer in
                    // In key order, so that the same state writes the same bytes.
                    for (key, c) in accumulator.counters.sorted(by: { ($0.key.day, $0.key.profile) < ($1.key.day, $1.key.profile) })
                    where c.events != 0 || c.signUps != 0 || c.signIns != 0 || c.authFailures != 0 {
                        try writer.add(
                            words: [
                                word(key.day), UInt64(key.profile), UInt64(bitPattern: Int64(c.signUps)),
                                UInt64(bitPattern: Int64(c.signIns)), UInt64(bitPattern: Int64(c.authFailures)), UInt64(bitPattern: Int64(c.events)),
                            ])
                    }
                }
                try stream(Stream.users) { writer in
                    for hash in accumulator.settledUsers.sorted() { try writer.add(words: [hash]) }
                }
                try stream(Stream.totals) { try $0.add(words: [UInt64(accumulator.events), UInt64(accumulator.duplicates)]) }
                try stream(Stream.parity) { writer in
                    for (reason, count) in parityLeftOut.sorted(by: { $0.key < $1.key }) {
                        try writer.add(words: [UInt64(reason.rawValue), UInt64(count)])
                    }
                }
                // With reports to follow, the logs are read without being consumed, and the reports
                // read them again as they were (the frozen sessions written stand for exactly the
                // sessions of their events); otherwise they are consumed.
                if let observations = pointer.pointee.accumulator.profileLog {
                    try stream(Stream.observations) { writer in
                        func write(_ records: SortedRecords) throws {
                            while let record = records.next() { try writer.add(record) }
                        }
                        if readAgain {
                            try write(observations.sortedCopy())
                        } else {
                            var consumed = observations
                            pointer.pointee.accumulator.profileLog = nil
                            var failure: (any Error)?
                            consumed.withSorted { records in
                                do { try write(records) } catch { failure = error }
                            }
                            if let failure { throw failure }
                        }
                    }
                }
            })
        try sessions.finish()
    }

    /// Starts writing the session log, with the sessions no later event can change frozen,
    /// on another thread; `finish()` waits for it and throws what it met.
    /// `readAgain`: reports follow, so the log is read without being consumed.
    private func saveSessions(to sink: any StateChunkSink, scope: String, detailFrom: Day?, readAgain: Bool) throws -> BackgroundWrite {
        precondition(accumulator.sessionLogs.count == 1, "a state run keeps one session log")
        var log = state.pointee.accumulator.sessionLogs[0]
        // Read, not consumed, when the reports sessionize the same log; otherwise it is taken
        // from the accumulator here, on this thread.
        if !readAgain { state.pointee.accumulator.sessionLogs[0] = SessionLog(memoryBudget: 1, store: nil, compact: log.compact) }
        // Later inputs hold no event before the start of `detailFrom` (in any zone: 18 hours,
        // the widest offset, before its UTC midnight); a session that ended a timeout before
        // that is final. (14 hours, the widest zone's, until 2026-12-07: with a fixed offset
        // past +14, a late event froze out of the session it joins, a review found.)
        let cutoff = detailFrom.map { Int64($0.index) * 86_400_000 - DayClock.widestOffsetMillis - configuration.sessionTimeoutMillis }
        let freezer = SessionFreezer(timeoutMillis: configuration.sessionTimeoutMillis, cutoff: cutoff, clock: clock)
        let sessionsWriter = try StateStreamWriter(sink, name: Stream.sessions, scope: scope)
        return BackgroundWrite { cancelled in
            // The closure's own copy: a variable it captured would be checked for exclusive
            // access at run time on every record.
            var writer = sessionsWriter
            var failure: (any Error)?
            var written = 0
            func write(_ records: SortedRecords) {
                freezer.run(records) { bytes in
                    guard failure == nil else { return }
                    // Asked every 4,096 records (a lock each time would cost a tenth of a second).
                    written += 1
                    if written & 4095 == 0 && cancelled() {
                        failure = CancellationError()
                        return
                    }
                    do { try writer.add(bytes) } catch { failure = error }
                }
            }
            if readAgain { write(log.sortedCopy()) } else { log.withSorted { write($0) } }
            if let failure { throw failure }
            try writer.finish()
        }
    }

    /// - Parameter matching: when given, only fingerprints whose first word is among these
    ///   are taken in (`restore(from:for:sessionRows:batch:)`).
    /// Takes in the state's fingerprints: all of them, or (`matching`) only those whose first
    /// word is among a batch's, from the buckets of its days.
    private func restoreFingerprints(
        from source: any StateChunkSource, scope: String, matching: BatchFingerprints? = nil, shift: UInt64 = 0
    ) throws {
        let dedup = field(\.dedup)
        let wanted = matching.map { Set($0.days.map(Stream.fingerprintBucket)) }
        for (name, bucket) in Stream.fingerprintStreams {
            if let bucket, let wanted, !wanted.contains(bucket) { continue }
            try StateStreamReader.forEachChunk(source, name: name, scope: scope) { chunk in
                var records = FixedSizeRecords.fingerprints(chunk, name: name)
                while let raw = try records.next() {
                    if let matching, !matching.highWords.contains(UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))) { continue }
                    let (fingerprint, stored) = FingerprintLog.decode(raw, at: 0)
                    var counted = stored
                    counted.input &+= shift
                    try Self.check(counted, of: UInt64(restoredProfiles), in: name, bucket: bucket)
                    // In fingerprint order (each batch's part of each stream; one that sorts before
                    // the one before starts a new run): no sort again. A bucket's runs hold its
                    // days only, and so every copy of what they hold: they are resolved apart.
                    dedup.pointee.insertInOrder(fingerprint, counted, group: bucket)
                }
            }
        }
        dedup.pointee.closeInOrder()
    }

    /// A fingerprint's profile and day are indexes when a copy's counts are taken back, or
    /// states merged: checked before they are used (`profiles`: how many the state holds), and
    /// its day against its bucket's (`bucket`, nil for the version-1 stream of every day). A
    /// left-out event's fingerprint names no profile.
    @inline(__always)
    static func check(_ counted: DuplicateFilter.Counted, of profiles: UInt64, in name: String, bucket: Int?) throws {
        let (day, profile) = (counted.day, counted.profile)
        guard counted.leftOut != nil || UInt64(profile) < profiles, days.contains(Int64(day)) else {
            throw StateFormatError("a fingerprint names profile \(profile) of \(profiles), day \(day)")
        }
        guard bucket == nil || Stream.fingerprintBucket(day: day) == bucket else {
            throw StateFormatError("a fingerprint of day \(day) is in \(name)")
        }
    }

    /// The day indexes a state may hold: those of the times any run accepts (`TimeRange.limits`),
    /// a day either side for the zones.
    static let days = Int64(TimeRange.limits.lowerBound.index) - 1...Int64(TimeRange.limits.upperBound.index) + 1

    /// A profile's values as one record: each dimension's text with a 4-byte length, in
    /// `Dimension` order.
    static func profileRecord(_ values: DimensionValues) -> [UInt8] {
        var out: [UInt8] = []
        for value in values.values {
            withUnsafeBytes(of: UInt32(value.utf8.count).littleEndian) { out.append(contentsOf: $0) }
            out.append(contentsOf: value.utf8)
        }
        return out
    }

    static func profileValues(_ raw: UnsafeRawBufferPointer) throws -> DimensionValues {
        var values = DimensionValues()
        var at = 0
        for dimension in Dimension.allCases {
            guard at + 4 <= raw.count else { throw StateFormatError("a profile is cut short") }
            let count = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
            guard at + 4 + count <= raw.count else { throw StateFormatError("a profile is cut short") }
            values[dimension] = String(decoding: UnsafeRawBufferPointer(rebasing: raw[at + 4..<at + 4 + count]), as: UTF8.self)
            at += 4 + count
        }
        guard at == raw.count else { throw StateFormatError("a profile has \(raw.count - at) bytes too many") }
        return values
    }
}

/// A fingerprint bucket's writer while the duplicates are resolved, and what it met.
private struct BucketWrite {
    var writer: StateStreamWriter?
    var failure: (any Error)?
}

/// A write running on another thread: `finish()` waits for it and rethrows its error;
/// `cancelAndWait()` asks it to stop (the body polls `cancelled`) and waits, on the way out of
/// a write that failed on this thread.
final class BackgroundWrite: @unchecked Sendable {
    // Unchecked: `body` runs on the writing thread alone (what it captures is its own);
    // `failure` is set there before the group leaves, and read after; `stop` is under `lock`.
    private let group = DispatchGroup()
    private let body: (_ cancelled: () -> Bool) throws -> Void
    private var failure: (any Error)?
    private let lock = NSLock()
    private var stop = false

    init(_ body: @escaping (_ cancelled: () -> Bool) throws -> Void) {
        self.body = body
        DispatchQueue.global().async(group: group) { [self] in
            do { try self.body(self.isCancelled) } catch { failure = error }
        }
    }

    private func isCancelled() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return stop
    }

    func cancelAndWait() {
        lock.lock()
        stop = true
        lock.unlock()
        group.wait()
    }

    func finish() throws {
        group.wait()
        if let failure { throw failure }
    }
}

/// A sink that several threads write streams to in turns (one SQLite connection). After a
/// call fails, every later call, on any thread, throws that error without reaching the
/// connection: a failed write must leave nothing behind (the transaction it was in is rolled
/// back, by SQLite itself after an I/O error).
final class LockedChunkSink: StateChunkSink, @unchecked Sendable {
    // Unchecked: every use of `base` and `failure` is under `lock`.
    private let base: any StateChunkSink
    private let lock = NSLock()
    private var failure: (any Error)?

    init(_ base: any StateChunkSink) { self.base = base }

    private func locked<R>(_ body: () throws -> R) throws -> R {
        lock.lock()
        defer { lock.unlock() }
        if let failure { throw failure }
        do {
            return try body()
        } catch {
            failure = error
            throw error
        }
    }

    var chunkCheck: ChunkCheck {
        lock.lock()
        defer { lock.unlock() }
        return base.chunkCheck
    }

    func appendChunk(name: String, scope: String, seq: Int, _ data: UnsafeRawBufferPointer) throws {
        try locked { try base.appendChunk(name: name, scope: scope, seq: seq, data) }
    }

    func nextSeq(name: String, scope: String) throws -> Int {
        try locked { try base.nextSeq(name: name, scope: scope) }
    }

    func removeAllChunks() throws {
        try locked { try base.removeAllChunks() }
    }

    func removeChunks(name: String, scope: String) throws {
        try locked { try base.removeChunks(name: name, scope: scope) }
    }
}
