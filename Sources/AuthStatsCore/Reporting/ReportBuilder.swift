/// Computes the report tables from an accumulator (stage 5).
///
/// Distinct-user columns are exact: the activity triples are sorted by user, and each user's
/// active days are walked once, adding their contribution to per-day counters (difference
/// arrays for the 7- and 30-day windows). Windows and first days use all data read; the
/// range only chooses which rows are written (`docs/metrics.md` "The report range").
public enum ReportBuilder {
    /// The report range: `from`/`to` where given, else the first/last day with an event.
    /// Nil when there is neither data nor a bound.
    public static func resolveRange(from: Day?, to: Day?, data: DayRange?) -> DayRange? {
        switch (from, to) {
        case let (f?, t?): return DayRange(first: f, last: t)
        case let (f?, nil): return DayRange(first: f, last: max(f, data?.last ?? f))
        case let (nil, t?): return DayRange(first: min(t, data?.first ?? t), last: t)
        case (nil, nil): return data
        }
    }

    /// `dataLast`: the last day with an event in all the data read, when `acc` holds only a part
    /// of it (a project's events: its retention targets up to the run's last day are known).
    /// - Complexity: O(a log a + d·v) for a activity triples, d days and v dimension values.
    public static func build(
        _ acc: MetricsAccumulator, range: DayRange?, sessions: SessionStats = SessionStats(),
        dimensions: [Dimension] = Dimension.reported(withProjects: false), dataLast: Day? = nil
    ) -> Reports {
        guard let range else { return Reports(range: nil) }
        let lastDataDay = [dataLast, acc.dayBounds?.last].compactMap { $0 }.max()
        var columns = UserColumns(range: range)
        var grid = ActiveUserGrid(table: acc.table, days: range.count)
        addUsers(of: acc, lastDataDay: lastDataDay, to: &columns, grid: &grid)
        let first = range.first.index
        return assemble(acc, range: range, columns: columns, lastDataDay: lastDataDay, sessions: sessions, dimensions: dimensions) {
            key, _ in grid.users(day: Int(key.day - first), key.dimension, key.value)
        }
    }

    /// Walks the activity one user at a time, each user's days in order, adding each user's
    /// contribution to `columns` (over its range) and to `grid` (active users per day and
    /// dimension value, counted in a flat array, not looked up by key: this loop runs once per
    /// active user-day).
    static func addUsers(of acc: MetricsAccumulator, lastDataDay: Day?, to columns: inout UserColumns, grid: inout ActiveUserGrid) {
        let range = columns.range
        let first = range.first.index
        precondition(acc.isSettled, "settle the accumulator before reading it")
        var groups = acc.activity.groups()
        var userDays: [Int32] = []
        var profiles: [UInt32] = []
        var currentUser: UInt64?
        var tally = UserTally(range: range)
        func finishUser() {
            addUser(days: userDays, daily: &columns.daily, tally: &tally, wau: &columns.wau, mau: &columns.mau)
            addRetention(days: userDays, lastDataDay: lastDataDay, tally: &tally)
            userDays.removeAll(keepingCapacity: true)
        }
        while let (user, day) = groups.next(profiles: &profiles) {
            guard !profiles.isEmpty else { continue }  // every event of that day was a duplicate, taken back
            if user != currentUser {
                if currentUser != nil { finishUser() }
                currentUser = user
            }
            userDays.append(day)
            guard range.contains(Day(index: day)) else { continue }
            grid.addUser(day: Int(day - first), profiles: profiles)
        }
        if currentUser != nil { finishUser() }
        tally.fold(into: &columns)
    }

    /// What `addUser` and `addRetention` count by month and by cohort, in arrays by the
    /// month's and the day's place in the range, added to the columns' dictionaries once at the
    /// end: a dictionary look-up for each user's months (with each active day's calendar month
    /// worked out) and another for its cohort cost ~1,400 instructions a user, a third of the
    /// report tables' time on the bench set.
    struct UserTally {
        let range: DayRange
        /// The months of the range, in order, and each day's (by its offset in the range).
        let months: [Month]
        let monthOfDay: [Int]
        /// Active users per month of `months`.
        var monthUsers: [Int]
        /// The retention row of each cohort, by its first day's offset in the range.
        var cohorts: [RetentionRow?]

        init(range: DayRange) {
            self.range = range
            var months: [Month] = []
            monthOfDay = range.days.map { day in
                let month = day.month
                if months.last != month { months.append(month) }
                return months.count - 1
            }
            self.months = months
            monthUsers = [Int](repeating: 0, count: months.count)
            cohorts = [RetentionRow?](repeating: nil, count: range.count)
        }

        func fold(into columns: inout UserColumns) {
            for (i, month) in months.enumerated() where monthUsers[i] != 0 { columns.months[month]?.activeUsers += monthUsers[i] }
            for row in cohorts {
                guard let row else { continue }
                guard var mine = columns.cohorts[row.cohort.index] else {
                    columns.cohorts[row.cohort.index] = row
                    continue
                }
                mine.size += row.size
                func add(_ value: inout Int?, _ other: Int?) { if let other { value = (value ?? 0) + other } }
                add(&mine.retainedD1, row.retainedD1)
                add(&mine.retainedD7, row.retainedD7)
                add(&mine.retainedD30, row.retainedD30)
                add(&mine.returned7d, row.returned7d)
                columns.cohorts[row.cohort.index] = mine
            }
        }
    }

    /// The report tables of `range` from the event counters of `acc` and the distinct-user
    /// columns summed over users (`columns`, over `range` or a longer stretch starting no
    /// later); `activeUsers` gives a breakdown row's distinct users (by its key and value).
    static func assemble(
        _ acc: MetricsAccumulator, range: DayRange, columns: UserColumns, lastDataDay: Day?, sessions: SessionStats,
        dimensions: [Dimension], activeUsers: (BreakdownKey, String) -> Int
    ) -> Reports {
        let first = range.first.index
        let count = range.count
        var daily = (0..<count).map { DailyRow(date: range.first.advanced(by: $0)) }
        var months: [Month: MonthlyRow] = [:]
        for day in range.days {
            months[day.month, default: MonthlyRow(month: day.month)].days += 1
        }
        // The breakdown's rows, and their keys, in the order first met; each key's row found
        // through a `PackedKeyTable` of (day in the range, dimension, value id): a dictionary
        // of keys to rows, looked up and stored again for every counter and dimension, was
        // ~70 M instructions of a report over 60 days (a night's, from the state's totals).
        var rows: [BreakdownRow] = []
        var keys: [BreakdownKey] = []
        var index = PackedKeyTable(initial: -1, capacityLog2: 10)

        // Event counters.
        for (key, counters) in acc.counters where range.contains(Day(index: key.day)) {
            let i = Int(key.day - first)
            daily[i].signUps += counters.signUps
            daily[i].signIns += counters.signIns
            daily[i].authFailures += counters.authFailures
            daily[i].events += counters.events
            for dimension in dimensions {
                let value = acc.table.valueID(ofProfile: key.profile, dimension)
                var at = -1
                index.update(BreakdownKey.packed(dayInRange: i, dimension, value)) { slot in
                    if slot < 0 { slot = rows.count }
                    at = slot
                }
                if at == rows.count {
                    rows.append(BreakdownRow(date: Day(index: key.day), dimension: dimension, value: acc.table.string(dimension, value)))
                    keys.append(BreakdownKey(day: key.day, dimension: dimension, value: value))
                }
                rows[at].signUps += counters.signUps
                rows[at].signIns += counters.signIns
                rows[at].authFailures += counters.authFailures
                rows[at].events += counters.events
            }
        }

        // Distinct users: the windows are running sums of their difference arrays, from the
        // columns' first day.
        for i in rows.indices {
            rows[i].activeUsers = activeUsers(keys[i], rows[i].value)
        }
        let offset = Int(first - columns.range.first.index)
        precondition(offset >= 0 && offset + count <= columns.daily.count, "the user columns must cover the report range")
        var wau = columns.wau[0..<offset].reduce(0, +)
        var mau = columns.mau[0..<offset].reduce(0, +)
        for i in 0..<count {
            daily[i].activeUsers = columns.daily[offset + i].activeUsers
            daily[i].newUsers = columns.daily[offset + i].newUsers
            wau += columns.wau[offset + i]
            mau += columns.mau[offset + i]
            daily[i].wau7d = wau
            daily[i].mau30d = mau
        }
        for (month, row) in columns.months where months[month] != nil {
            months[month]?.activeUsers = row.activeUsers
        }
        var cohorts: [RetentionRow] = []
        if let last = lastDataDay?.index {
            for (day, var row) in columns.cohorts where range.contains(Day(index: day)) && row.size > 0 {
                // Targets after the last day with an event stay nil; those up to it are counted.
                row.retainedD1 = day + 1 > last ? nil : row.retainedD1 ?? 0
                row.retainedD7 = day + 7 > last ? nil : row.retainedD7 ?? 0
                row.returned7d = day + 7 > last ? nil : row.returned7d ?? 0
                row.retainedD30 = day + 30 > last ? nil : row.retainedD30 ?? 0
                cohorts.append(row)
            }
        }
        for row in daily {
            months[row.date.month]?.signUps += row.signUps
            months[row.date.month]?.signIns += row.signIns
            months[row.date.month]?.authFailures += row.authFailures
            months[row.date.month]?.events += row.events
            months[row.date.month]?.newUsers += row.newUsers
        }
        var reports = Reports(
            range: range, daily: daily, monthly: months.values.sorted { $0.month < $1.month }, breakdown: BreakdownRow.sorted(rows),
            retention: cohorts.sorted { $0.cohort < $1.cohort })
        addSessions(sessions, to: &reports)
        return reports
    }

    /// Fills the daily session columns from `sessions` (the rest of the reports does not
    /// depend on them, so they can be built while the sessions still are).
    public static func addSessions(_ sessions: SessionStats, to reports: inout Reports) {
        for i in reports.daily.indices {
            guard let day = sessions.days[reports.daily[i].date.index] else { continue }
            reports.daily[i].sessions = day.sessions
            reports.daily[i].sessionUsers = day.users
            reports.daily[i].medianSessionSeconds = day.medianSeconds
        }
    }

    /// Adds one user to the retention row of its cohort (its first active day), if that day
    /// is in the tally's range (`docs/metrics.md` "Retention"). Targets after the last day with
    /// an event stay nil.
    static func addRetention(days: [Int32], lastDataDay: Day?, tally: inout UserTally) {
        let range = tally.range
        guard let first = days.first, range.contains(Day(index: first)), let last = lastDataDay?.index else { return }
        let at = Int(first - range.first.index)
        var row = tally.cohorts[at] ?? RetentionRow(cohort: Day(index: first))
        row.size += 1
        func activeOn(_ day: Int32) -> Bool { days.contains(day) }
        func count(_ value: inout Int?, _ target: Int32, _ hit: Bool) {
            guard target <= last else { return }
            value = (value ?? 0) + (hit ? 1 : 0)
        }
        count(&row.retainedD1, first + 1, activeOn(first + 1))
        count(&row.retainedD7, first + 7, activeOn(first + 7))
        count(&row.retainedD30, first + 30, activeOn(first + 30))
        count(&row.returned7d, first + 7, days.contains { $0 >= first + 1 && $0 <= first + 7 })
        tally.cohorts[at] = row
    }

    /// Adds one user's contribution over the tally's range, given the sorted days on which the
    /// user was active.
    static func addUser(days: [Int32], daily: inout [DailyRow], tally: inout UserTally, wau: inout [Int], mau: inout [Int]) {
        let range = tally.range
        guard let firstDay = days.first else { return }
        let first = Int(range.first.index)
        let last = Int(range.last.index)
        if range.contains(Day(index: firstDay)) { daily[Int(firstDay) - first].newUsers += 1 }
        var lastMonth = -1
        for day in days where range.contains(Day(index: day)) {
            daily[Int(day) - first].activeUsers += 1
            let month = tally.monthOfDay[Int(day) - first]
            if month != lastMonth {
                tally.monthUsers[month] += 1
                lastMonth = month
            }
        }
        addWindows(days: days, width: 7, first: first, last: last, diff: &wau)
        addWindows(days: days, width: 30, first: first, last: last, diff: &mau)
    }

    /// Marks, in `diff`, every range day within `width` days on or after an active day, once.
    static func addWindows(days: [Int32], width: Int, first: Int, last: Int, diff: inout [Int]) {
        var coveredUntil = Int.min  // last day already marked
        for day in days {
            let low = max(Int(day), coveredUntil + 1, first)
            let high = min(Int(day) + width - 1, last)
            if low <= high {
                diff[low - first] += 1
                diff[high - first + 1] -= 1
            }
            coveredUntil = max(coveredUntil, Int(day) + width - 1)
        }
    }
}

/// The distinct-user columns of the reports summed over users, over the days of `range`: what
/// `ReportBuilder.addUser` and `addRetention` add for each user (the months and cohorts
/// through a `ReportBuilder.UserTally`, folded in once; `ReportTotals` keeps them between
/// nightly runs).
struct UserColumns: Sendable, Equatable {
    var range: DayRange
    /// Active and new users per day (the other fields stay 0).
    var daily: [DailyRow]
    /// Active users per month (the other fields stay 0).
    var months: [Month: MonthlyRow] = [:]
    /// The 7- and 30-day windows' difference arrays: `range.count + 1` entries.
    var wau: [Int]
    var mau: [Int]
    var cohorts: [Int32: RetentionRow] = [:]

    init(range: DayRange) {
        self.range = range
        daily = (0..<range.count).map { DailyRow(date: range.first.advanced(by: $0)) }
        for day in range.days where months[day.month] == nil { months[day.month] = MonthlyRow(month: day.month) }
        wau = [Int](repeating: 0, count: range.count + 1)
        mau = wau
    }
}

struct BreakdownKey {
    var day: Int32
    var dimension: Dimension
    var value: UInt32

    /// A key as one word, for a `PackedKeyTable`: the day as its offset in the report's range
    /// (under 2^28 days), the dimension (4 bits, below 15) and the value id (32 bits); never
    /// all ones, the table's empty slot.
    @inline(__always)
    static func packed(dayInRange: Int, _ dimension: Dimension, _ value: UInt32) -> UInt64 {
        assert(dayInRange >= 0 && dayInRange < 1 << 28 && dimension.rawValue < 15, "a key packs into one word")
        return UInt64(truncatingIfNeeded: dayInRange) << 36 | UInt64(truncatingIfNeeded: dimension.rawValue) << 32 | UInt64(value)
    }
}
