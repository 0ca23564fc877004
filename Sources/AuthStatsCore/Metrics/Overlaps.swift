/// Days on which two exports both carry sign-ups, sign-ins or failures (`docs/metrics.md`
/// "Overlapping exports"): a team that kept Pinpoint's stream and CloudTrail (or the activity
/// log) for the same weeks would otherwise count each sign-in twice, once per export.
public struct Overlap: Sendable, Equatable {
    public var date: Day
    /// Each export (`source` name, byte order) with its counts that day.
    public var exports: [(source: String, counts: MetricsAccumulator.Counters)]

    public static func == (a: Overlap, b: Overlap) -> Bool {
        a.date == b.date && a.exports.map(\.source) == b.exports.map(\.source) && a.exports.map(\.counts) == b.exports.map(\.counts)
    }
}

extension MetricsAccumulator {
    /// Every day, over all data read, with authentication events from more than one export.
    ///
    /// The rows are summed by (day, the source's value id) first, in a `CounterTable` (its
    /// "profile" the source's id): a `String` made and hashed into a dictionary per (day,
    /// profile) row was ~3% of a run's CPU over many dimensions (hundreds of app versions,
    /// locales and countries make tens of thousands of rows), and the run asks twice (the
    /// summary, the warning).
    public var overlaps: [Overlap] {
        var sums = CounterTable()
        for (key, row) in counters where row.signUps + row.signIns + row.authFailures > 0 {
            sums.add(DayProfile(day: key.day, profile: table.valueID(ofProfile: key.profile, .source)), row)
        }
        var byDay: [Int32: [(source: String, counts: Counters)]] = [:]
        for (key, counts) in sums {
            byDay[key.day, default: []].append((table.string(.source, key.profile), counts))
        }
        return byDay.compactMap { day, exports -> Overlap? in
            guard exports.count > 1 else { return nil }
            return Overlap(date: Day(index: day), exports: exports.sorted { $0.source.utf8.lexicographicallyPrecedes($1.source.utf8) })
        }.sorted { $0.date < $1.date }
    }
}
