/// The nightly state's `report_totals` stream (`docs/state.md` "Reports without restoring"),
/// and the partial restores a night builds its change to them from.
extension ReportTotals {
    /// (Public for `state info`: their damage is a warning there, the next run rebuilds them.)
    public static let stream = "report_totals"
    /// The layout of the stream's records; totals of another layout are not read (the night
    /// then reads the whole state and writes them again). 2: the users and sessions in the
    /// header zigzag-coded like every other signed number (1, written by the builds of
    /// `c59a2c8` to `6dfecf7`, had them plain: read as 2 they came out halved).
    static let layout: UInt64 = 2

    private enum Kind: UInt64 {
        case header, day, month, cohort, value, sessionDay, duration
    }

    /// Writes the totals as the state's `report_totals` (replacing it), stamped with the last
    /// batch they hold.
    public func save(to sink: any StateChunkSink, stamp: Int) throws {
        try sink.removeChunks(name: Self.stream, scope: "")
        var writer = try StateStreamWriter(sink, name: Self.stream, scope: "")
        // Each record is its kind then its numbers, all varints (a value's text after them),
        // written in place from literals on the stack (an array built for every record was 59 M
        // of the 105 M instructions a night spent here).
        let first = columns.range.first.index
        try writer.add(words: [
            Kind.header.rawValue, Self.layout, UInt64(stamp), zigzag(first), UInt64(columns.range.count), zigzag(users),
            zigzag(sessions.totalSessions),
        ])
        for i in columns.wau.indices {
            let row = i < columns.daily.count ? columns.daily[i] : DailyRow(date: columns.range.last)
            guard row.activeUsers != 0 || row.newUsers != 0 || columns.wau[i] != 0 || columns.mau[i] != 0 else { continue }
            try writer.add(words: [Kind.day.rawValue, UInt64(i), zigzag(row.activeUsers), zigzag(row.newUsers), zigzag(columns.wau[i]), zigzag(columns.mau[i])])
        }
        for (month, row) in columns.months.sorted(by: { $0.key < $1.key }) where row.activeUsers != 0 {
            try writer.add(words: [Kind.month.rawValue, UInt64(month.year), UInt64(month.month), zigzag(row.activeUsers)])
        }
        func optional(_ value: Int?) -> UInt64 { value.map { zigzag($0) + 1 } ?? 0 }
        for (day, row) in columns.cohorts.sorted(by: { $0.key < $1.key }) {
            try writer.add(words: [
                Kind.cohort.rawValue, zigzag(day), zigzag(row.size), optional(row.retainedD1), optional(row.retainedD7),
                optional(row.retainedD30), optional(row.returned7d),
            ])
        }
        let values = activeByValue.sorted {
            ($0.key.day, $0.key.dimension.rawValue) != ($1.key.day, $1.key.dimension.rawValue)
                ? ($0.key.day, $0.key.dimension.rawValue) < ($1.key.day, $1.key.dimension.rawValue)
                : $0.key.value.text.utf8.lexicographicallyPrecedes($1.key.value.text.utf8)
        }
        for (key, n) in values {
            var text = key.value.text
            try text.withUTF8 { text in
                try writer.add(
                    words: [Kind.value.rawValue, zigzag(key.day), UInt64(key.dimension.rawValue), zigzag(n)], then: UnsafeRawBufferPointer(text))
            }
        }
        for (day, stats) in sessions.days.sorted(by: { $0.key < $1.key }) {
            try writer.add(words: [Kind.sessionDay.rawValue, zigzag(day), zigzag(stats.sessions), zigzag(stats.users)])
            for (seconds, n) in stats.ascendingDurations() {
                try writer.add(words: [Kind.duration.rawValue, zigzag(day), zigzag(seconds), zigzag(n)])
            }
        }
        try writer.finish()
    }

    /// The last batch the totals kept in `source` hold, from their first record alone (a night
    /// knows from it, before loading them, whether they are current); nil when it keeps none (or
    /// in another layout). A damaged header throws, as `load` does.
    public static func stamp(in source: any StateChunkSource) throws -> Int? {
        guard let header = try StateStreamReader.firstRecord(source, name: stream, scope: "") else { return nil }
        return try header.withUnsafeBytes { raw in
            var at = 0
            func word() throws -> UInt64 {
                guard let word = Varint.get(raw, &at) else { throw StateFormatError("a record of \(stream) is cut short") }
                return word
            }
            guard try word() == Kind.header.rawValue else { throw StateFormatError("a record of \(stream) comes before the header") }
            // As `load`: another layout is not read, whatever follows its number.
            guard try word() == layout else { return nil }
            return Int(truncatingIfNeeded: try word())
        }
    }

    /// The totals kept in `source` and the last batch they hold; nil when it keeps none (or in
    /// another layout).
    public static func load(from source: any StateChunkSource) throws -> (totals: ReportTotals, stamp: Int)? {
        var totals: ReportTotals?
        // The header's day counts, kept apart: reading them through `totals!` copied the whole
        // totals (a retain of each of its tables) for every record, a third of a night's
        // reading of them.
        var header: (days: Int, daily: Int)?
        var stamp = 0
        var foreign = false
        // The session durations (most of the records), gathered and put into each day's table
        // at once at the end: one look-up of the day and a table sized once per day, where a
        // look-up of the day and an insert into a growing table per record were two thirds of
        // reading the totals.
        var durations: [(day: Int32, seconds: Int64, sessions: Int)] = []
        func damaged(_ what: String) -> StateFormatError { StateFormatError("a record of \(stream) \(what)") }
        try StateStreamReader.forEach(source, name: stream, scope: "") { raw in
            guard !foreign else { return }
            var at = 0
            func word() throws -> UInt64 {
                guard let w = Varint.get(raw, &at) else { throw damaged("is cut short") }
                return w
            }
            func signed() throws -> Int { unzigzag(try word()) }
            func day() throws -> Int32 {
                let d = Int64(unzigzag(try word()))
                guard Analysis.days.contains(d) else { throw damaged("has day \(d)") }
                return Int32(d)
            }
            guard let kind = Kind(rawValue: try word()) else { throw damaged("is of an unknown kind") }
            if kind == .header {
                guard header == nil else { throw damaged("repeats the header") }
                guard try word() == layout else {
                    foreign = true
                    return
                }
                stamp = Int(truncatingIfNeeded: try word())
                let first = try day()
                let count = Int(truncatingIfNeeded: try word())
                guard count > 0 && count <= 1 << 20 else { throw damaged("has \(count) days") }
                let range = DayRange(first: Day(index: first), last: Day(index: first).advanced(by: count - 1))
                totals = ReportTotals(columns: UserColumns(range: range), activeByValue: [:], users: try signed(), sessions: SessionStats())
                totals!.sessions.totalSessions = try signed()
                header = (totals!.columns.wau.count, totals!.columns.daily.count)
                guard at == raw.count else { throw damaged("has bytes past its end") }
                return
            }
            guard header != nil else { throw damaged("comes before the header") }
            switch kind {
            case .header: break
            case .day:
                let i = Int(truncatingIfNeeded: try word())
                guard i >= 0 && i < header!.days else { throw damaged("has day offset \(i)") }
                let (active, new) = (try signed(), try signed())
                if i < header!.daily {
                    totals!.columns.daily[i].activeUsers = active
                    totals!.columns.daily[i].newUsers = new
                }
                totals!.columns.wau[i] = try signed()
                totals!.columns.mau[i] = try signed()
            case .month:
                let (year, month) = (Int(truncatingIfNeeded: try word()), Int(truncatingIfNeeded: try word()))
                guard (1...12).contains(month) else { throw damaged("has month \(month)") }
                totals!.columns.months[Month(year: year, month: month), default: MonthlyRow(month: Month(year: year, month: month))]
                    .activeUsers = try signed()
            case .cohort:
                let cohort = try day()
                var row = RetentionRow(cohort: Day(index: cohort))
                row.size = try signed()
                func optional() throws -> Int? {
                    let w = try word()
                    return w == 0 ? nil : unzigzag(w - 1)
                }
                row.retainedD1 = try optional()
                row.retainedD7 = try optional()
                row.retainedD30 = try optional()
                row.returned7d = try optional()
                totals!.columns.cohorts[cohort] = row
            case .value:
                let d = try day()
                guard let dimension = Dimension(rawValue: Int(truncatingIfNeeded: try word())) else { throw damaged("has no dimension") }
                let n = try signed()
                let text = String(decoding: UnsafeRawBufferPointer(rebasing: raw[at...]), as: UTF8.self)
                totals!.activeByValue[ValueDay(day: d, dimension: dimension, value: ExactText(text))] = n
            case .sessionDay:
                let d = try day()
                totals!.sessions.days[d, default: SessionStats.Day()].sessions = try signed()
                totals!.sessions.days[d, default: SessionStats.Day()].users = try signed()
            case .duration:
                let d = try day()
                durations.append((d, Int64(try signed()), try signed()))
            }
            // A value's text runs to the end; every other record ends with its last number.
            guard kind == .value || at == raw.count else { throw damaged("has bytes past its end") }
        }
        guard !foreign, var totals else { return nil }
        // Each day's run of durations (written together), taken out of the totals, sized for the
        // run and put back: a later record of a duration wins, as it would one at a time.
        var start = 0
        while start < durations.count {
            let day = durations[start].day
            var end = start + 1
            while end < durations.count && durations[end].day == day { end += 1 }
            var stats = totals.sessions.days.removeValue(forKey: day) ?? SessionStats.Day()
            stats.durations.reserveCapacity(stats.durations.count + end - start)
            for record in durations[start..<end] { stats.durations[record.seconds] = record.sessions }
            totals.sessions.days[day] = stats
            start = end
        }
        return (totals, stamp)
    }
}

@inline(__always) private func zigzag(_ n: some BinaryInteger) -> UInt64 { Varint.zigzag(Int(n)) }
@inline(__always) private func unzigzag(_ w: UInt64) -> Int { Varint.unzigzag(w) }

extension Analysis {
    /// Takes in the state's counters, event totals and what parity left out, with its profiles:
    /// all that the reports need beside `ReportTotals`.
    public func restoreCounts(from source: any StateChunkSource) throws {
        let profiles = try restoreProfiles(from: source, scope: "")
        try restoreCounts(from: source, scope: "", profiles: profiles)
    }

    /// Where a state's activity, users, session and profile streams end: the chunks a batch
    /// appends come after (`restoreUsers(of:from:after:)`).
    public struct UserStreamEnds: Sendable {
        private var seqs: [String: Int] = [:]

        public init(of sink: any StateChunkSink) throws {
            for name in [Stream.activity, Stream.users, Stream.sessions, Stream.profiles] {
                seqs[name] = try sink.nextSeq(name: name, scope: "")
            }
        }

        /// The first chunk of `stream` after the ends.
        fileprivate func seq(_ stream: String) -> Int { seqs[stream]! }
    }

    /// Takes in the state's activity, users and session events of the users of `batch` only
    /// (the first time with the profiles; `after`: only the chunks appended since): what those
    /// users add to `ReportTotals` (`userTotals`). Compact session records only (a state that
    /// keeps session rows keeps no totals).
    public func restoreUsers(of batch: Analysis, from source: any StateChunkSource, after ends: UserStreamEnds? = nil) throws {
        try restoreUserActivity(of: batch, from: source, after: ends)
        try restoreUserSessions(of: batch, from: source, after: ends)
    }

    /// `restoreUsers`' first part, its profiles, activity and users; the second reaches only the
    /// session log, so that each may run on its own thread (and connection).
    public func restoreUserActivity(of batch: Analysis, from source: any StateChunkSource, after ends: UserStreamEnds? = nil) throws {
        let wanted = batch.accumulator.settledUsers
        let profiles = try restoreProfiles(from: source, scope: "", fromSeq: ends?.seq(Stream.profiles))
        let activity = field(\.activity)
        let users = field(\.users)
        try Self.withUserFilter(wanted) { isWanted in
            try StateStreamReader.forEachWords(
                source, name: Stream.activity, scope: "", fromSeq: ends?.seq(Stream.activity), count: 4, keep: { isWanted.test($0) }
            ) { w in
                activity.pointee.appendInOrder(
                    user: w[0], day: try Self.day(w[1], Stream.activity), profile: try Self.profile(w[2], Stream.activity, of: profiles),
                    Int32(truncatingIfNeeded: w[3]))
            }
            activity.pointee.endInOrder()
            // Sorted by user too: the filter goes back (a binary search) to this stream's first user.
            try StateStreamReader.forEachWords(
                source, name: Stream.users, scope: "", fromSeq: ends?.seq(Stream.users), count: 1, keep: { isWanted.test($0) }
            ) { w in
                users.pointee.insert(w[0])
            }
        }
    }

    /// `restoreUsers`' second part: the session events of the users of `batch`: compact
    /// records only, 57 bytes, the user first, walked at that stride (a night reads ~1.6 M of
    /// them for ~2% of the users).
    public func restoreUserSessions(of batch: Analysis, from source: any StateChunkSource, after ends: UserStreamEnds? = nil) throws {
        let sessionLogs = field(\.sessionLogs)
        precondition(sessionLogs.pointee.count == 1 && sessionLogs.pointee[0].compact, "a state with totals keeps compact sessions")
        try Self.withUserFilter(batch.accumulator.settledUsers) { isWanted in
            try StateStreamReader.forEachChunk(source, name: Stream.sessions, scope: "", fromSeq: ends?.seq(Stream.sessions)) { chunk in
                var records = FixedSizeRecords.compactSessions(chunk)
                while let raw = try records.next() {
                    guard isWanted.test(UInt64(bigEndian: raw.loadUnaligned(as: UInt64.self))) else { continue }
                    sessionLogs.pointee[0].appendInOrder(raw)
                }
            }
        }
        sessionLogs.pointee[0].endInOrder()
    }

    /// Whether a user is among `wanted`, for streams sorted by user: the wanted users sorted,
    /// and a cursor that moves forward with the stream (by doubling steps, then a binary
    /// search; back, by a binary search, where a stream's next sorted run starts), so that a
    /// record costs a comparison or two, and a new user no hash look-up. Any order of users
    /// gives the right answer, at worst with a logarithmic search a record. Its place is kept
    /// through a pointer: a captured variable is checked for exclusive access on every record.
    struct UserFilter {
        let wanted: UnsafeBufferPointer<UInt64>
        let place: UnsafeMutablePointer<Place>

        struct Place {
            /// The last user tested, and whether it was wanted.
            var user: UInt64
            var wanted: Bool
            /// The first of `wanted` not below `user`.
            var next: Int
        }

        @inline(__always) func test(_ user: UInt64) -> Bool {
            let last = place.pointee.user
            if last == user { return place.pointee.wanted }
            var next = place.pointee.next
            if user < last {
                next = Self.lowerBound(user, in: wanted, from: 0, to: wanted.count)
            } else if next < wanted.count && wanted[next] < user {
                // The answer lies past `next`: steps of 1, 2, 4 … find a wanted user not below
                // this one (or the end), then a binary search between the last two steps.
                var step = 1
                while next + step < wanted.count && wanted[next + step] < user { step <<= 1 }
                next = Self.lowerBound(user, in: wanted, from: next + step / 2 + 1, to: min(next + step, wanted.count))
            }
            let yes = next < wanted.count && wanted[next] == user
            place.pointee = Place(user: user, wanted: yes, next: next)
            return yes
        }

        /// The first index of `sorted` in `from..<to` whose hash is not below `user`, or `to`
        /// (every hash before `from` is below it).
        static func lowerBound(_ user: UInt64, in sorted: UnsafeBufferPointer<UInt64>, from: Int, to: Int) -> Int {
            var (low, high) = (from, to)
            while low < high {
                let middle = (low + high) / 2
                if sorted[middle] < user { low = middle + 1 } else { high = middle }
            }
            return low
        }
    }

    /// Calls `body` with a filter of `wanted` (valid inside the call).
    static func withUserFilter<R>(_ wanted: UserHashSet, _ body: (UserFilter) throws -> R) rethrows -> R {
        let sorted = wanted.sorted()
        return try sorted.withUnsafeBufferPointer { sorted in
            try withUnsafeTemporaryAllocation(of: UserFilter.Place.self, capacity: 1) { place in
                place.baseAddress!.initialize(to: UserFilter.Place(user: 0, wanted: sorted.first == 0, next: 0))
                return try body(UserFilter(wanted: sorted, place: place.baseAddress!))
            }
        }
    }

    /// The `ReportTotals` of everything this analysis holds over `axis`: its users' activity,
    /// and sessions built from its session log (read, not consumed: more may be restored into
    /// it), for an analysis restored with `restoreUsers`.
    ///
    /// The sessions and the users' columns are built at once, on two threads: each only reads
    /// (the session logs are kept, the activity is walked, each from its own spilled runs; the
    /// spill store reads with `pread` and keeps a run's descriptor open while it is in use).
    /// On a night both come after the batch is appended, on the serial path, ~40 M
    /// instructions each.
    public func userTotals(axis: DayRange) -> ReportTotals {
        let logs = accumulator.sessionLogs
        let (timeout, clock) = (configuration.sessionTimeoutMillis, state.pointee.clock)
        let acc = accumulator
        var sessions = SessionStats()
        var totals: ReportTotals?
        do {
            try bothAtOnce(
                { sessions = Self.sessionize(logs, timeoutMillis: timeout, clock: clock, keep: true, each: nil) },
                { totals = ReportTotals.build(acc, axis: axis, sessions: SessionStats()) })
        } catch {
            // Neither part throws: one that came to would stop here, not be passed over.
            preconditionFailure("the users' totals: \(error)")
        }
        totals!.setSessions(sessions)
        return totals!
    }
}
