/// The distinct-user side of the reports as the nightly state keeps it between runs
/// (`docs/state.md` "Reports without restoring"): active and new users per day, the 7- and
/// 30-day windows, active users per month, the retention cohorts, active users per day and
/// dimension value, the number of users and the session counts. Each is a sum over users of
/// what one user's days (or sessions) add, so a night that touches some users subtracts what
/// they added before its batch and adds what they add with it, and never walks the others.
///
/// The columns run from the data's first day to `tail` days past its last, so that no window
/// or retention target of a day with data is cut at their end: totals of different stretches
/// add up once both are moved onto one (`add`).
public struct ReportTotals: Sendable, Equatable {
    var columns: UserColumns
    /// Distinct users per (day, dimension, value): by the value's text, which unlike its id
    /// is the same in every analysis.
    var activeByValue: [ValueDay: Int]
    public internal(set) var users: Int
    /// The session counts, without the per-user counts segments use (`setSessions`).
    public internal(set) var sessions: SessionStats

    struct ValueDay: Hashable, Sendable {
        var day: Int32
        var dimension: Dimension
        /// As exact text, as the breakdown keeps it.
        var value: ExactText
    }

    /// Days past the data's last day that the columns run to: the 30-day window and the day-30
    /// retention target of the last day, and one more.
    static let tail = 31

    /// The stretch of days that totals of data over `data` cover.
    public static func axis(of data: DayRange) -> DayRange {
        DayRange(first: data.first, last: data.last.advanced(by: tail))
    }

    /// The totals of every user of `acc` (its activity walked once, as `ReportBuilder.build`
    /// walks it), with `sessions` built from its session log.
    public static func build(_ acc: MetricsAccumulator, axis: DayRange, sessions: SessionStats) -> ReportTotals {
        var columns = UserColumns(range: axis)
        var grid = ActiveUserGrid(table: acc.table, days: axis.count)
        // Every target within the axis is counted (a day past the data has no activity, so it
        // counts as not retained); the reports leave those past their last day empty.
        ReportBuilder.addUsers(of: acc, lastDataDay: axis.last, to: &columns, grid: &grid)
        var active: [ValueDay: Int] = [:]
        grid.forEachCount { day, dimension, value, n in
            active[ValueDay(day: axis.first.index + Int32(day), dimension: dimension, value: ExactText(acc.table.string(dimension, value)))] = n
        }
        var totals = ReportTotals(columns: columns, activeByValue: active, users: acc.userCount, sessions: SessionStats())
        totals.setSessions(sessions)
        return totals
    }

    /// Takes the session counts of `stats`, not its per-user counts (`userSessions`).
    mutating func setSessions(_ stats: SessionStats) {
        sessions = stats
        sessions.userSessions = UserSessionCounts()
    }

    /// Adds (`sign` 1) or subtracts (−1) `other`, made from the same or other users; the
    /// columns then cover both stretches. Entries that come to zero are dropped, so that
    /// totals equal those built from the users they hold, whatever the path.
    public mutating func add(_ other: ReportTotals, sign: Int) {
        let axis = columns.range.union(other.columns.range)
        columns = columns.rebased(to: axis)
        let theirs = other.columns.rebased(to: axis)
        for i in columns.daily.indices {
            columns.daily[i].activeUsers += sign * theirs.daily[i].activeUsers
            columns.daily[i].newUsers += sign * theirs.daily[i].newUsers
        }
        for i in columns.wau.indices {
            columns.wau[i] += sign * theirs.wau[i]
            columns.mau[i] += sign * theirs.mau[i]
        }
        for (month, row) in theirs.months {
            columns.months[month, default: MonthlyRow(month: month)].activeUsers += sign * row.activeUsers
        }
        func sum(_ a: Int?, _ b: Int?) -> Int? { a == nil && b == nil ? nil : (a ?? 0) + sign * (b ?? 0) }
        for (day, row) in theirs.cohorts {
            var mine = columns.cohorts[day] ?? RetentionRow(cohort: row.cohort)
            mine.size += sign * row.size
            mine.retainedD1 = sum(mine.retainedD1, row.retainedD1)
            mine.retainedD7 = sum(mine.retainedD7, row.retainedD7)
            mine.retainedD30 = sum(mine.retainedD30, row.retainedD30)
            mine.returned7d = sum(mine.returned7d, row.returned7d)
            columns.cohorts[day] = mine.size == 0 ? nil : mine
        }
        for (key, n) in other.activeByValue {
            let total = activeByValue[key, default: 0] + sign * n
            activeByValue[key] = total == 0 ? nil : total
        }
        users += sign * other.users
        sessions.add(other.sessions, sign: sign)
    }

    /// The report tables of `range` (the data's days, within the columns), with the event
    /// counters and dimension values of `acc`; the session columns are left to
    /// `ReportBuilder.addSessions`.
    public func reports(_ acc: MetricsAccumulator, range: DayRange, dimensions: [Dimension]) -> Reports {
        ReportBuilder.assemble(
            acc, range: range, columns: columns, lastDataDay: acc.dayBounds?.last, sessions: SessionStats(), dimensions: dimensions
        ) { key, value in
            activeByValue[ValueDay(day: key.day, dimension: key.dimension, value: ExactText(value))] ?? 0
        }
    }

    /// The stretch of days the totals cover.
    public var axis: DayRange { columns.range }
}

extension UserColumns {
    /// The same columns over `axis`, which covers `range`: the days added are zero.
    func rebased(to axis: DayRange) -> UserColumns {
        guard axis != range else { return self }
        precondition(axis.first <= range.first && axis.last >= range.last, "a rebase only widens the columns")
        var out = UserColumns(range: axis)
        let offset = axis.first.distance(to: range.first)
        for i in daily.indices { out.daily[offset + i] = daily[i] }
        for i in wau.indices {
            out.wau[offset + i] = wau[i]
            out.mau[offset + i] = mau[i]
        }
        for (month, row) in months { out.months[month] = row }
        out.cohorts = cohorts
        return out
    }
}
