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
    public var overlaps: [Overlap] {
        var byDay: [Int32: [String: Counters]] = [:]
        for (key, counters) in counters where counters.signUps + counters.signIns + counters.authFailures > 0 {
            let source = table.string(.source, table.valueID(ofProfile: key.profile, .source))
            byDay[key.day, default: [:]][source, default: Counters()].add(counters)
        }
        return byDay.compactMap { day, sources -> Overlap? in
            let exports = sources.filter { $0.value.signUps + $0.value.signIns + $0.value.authFailures > 0 }
            guard exports.count > 1 else { return nil }
            return Overlap(
                date: Day(index: day),
                exports: exports.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.map { ($0.key, $0.value) })
        }.sorted { $0.date < $1.date }
    }
}
