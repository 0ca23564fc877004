import AuthStatsCore

/// The breakdown small multiples: for each dimension, events per day stacked by value, its
/// `topValues` biggest values (by events over the range) and the rest as one "Other" piece.
///
/// Events rather than active users: a day's events add up over the values of a dimension
/// (`docs/metrics.md` "Breakdown"), so each bar is the day's events; active users do not
/// (a user on two platforms counts under both), and a stack of them would overstate the day.
enum BreakdownCharts {
    static let topValues = 5
    static let colors = ["c-blue", "c-yellow", "c-teal", "c-pink", "c-purple"]
    static let otherColor = "c-gray"

    /// The dimensions in the order the issue names them, then `attr:` ones by name (bytes).
    static let order: [String] = ["platform", "app_version", "locale", "country", "client_id", "source", "user_type", "project_id"]

    static let titles: [String: String] = [
        "platform": "Platform", "app_version": "App version", "locale": "Locale", "country": "Country",
        "client_id": "App client", "source": "Source", "user_type": "User type", "project_id": "Pinpoint project",
    ]

    /// One dimension's totals over the range and per day.
    struct Dimension {
        var name: String
        /// Per value (as exact text, as breakdown.csv keeps it: `ExactText`): events per day
        /// of the range.
        var daily: [ExactText: [Int]] = [:]
        var totals: [ExactText: Int] = [:]
        var signIns: [ExactText: Int] = [:]
    }

    /// The dimensions of `rows`, each with its values' daily events.
    static func dimensions(_ rows: [BreakdownRow], range: DayRange) -> [Dimension] {
        var byName: [String: Dimension] = [:]
        for row in rows where range.contains(row.date) {
            let name = row.dimensionName
            let index = range.first.distance(to: row.date)
            // In place: a copy taken out and put back copied its tables on every row (the
            // chart of 300 values over 60 days was 9% of such a run).
            if byName[name] == nil { byName[name] = Dimension(name: name) }
            let value = ExactText(row.value)
            byName[name]!.daily[value, default: [Int](repeating: 0, count: range.count)][index] += row.events
            byName[name]!.totals[value, default: 0] += row.events
            byName[name]!.signIns[value, default: 0] += row.signIns
        }
        let known = order.compactMap { byName[$0] }
        let attributes = byName.keys.filter { !order.contains($0) }
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { byName[$0]! }
        return known + attributes
    }

    /// The values of a dimension by events over the range, most first (ties by value, bytes).
    static func ranked(_ dimension: Dimension) -> [ExactText] {
        dimension.totals.keys.sorted { a, b in
            let (x, y) = (dimension.totals[a]!, dimension.totals[b]!)
            return x != y ? x > y : a.text.utf8.lexicographicallyPrecedes(b.text.utf8)
        }
    }

    static func title(_ name: String) -> String {
        titles[name] ?? (name.hasPrefix("attr:") ? "Attribute " + String(name.dropFirst(5)) : name)
    }

    /// The chart of each dimension.
    static func charts(_ rows: [BreakdownRow], range: DayRange) -> [ChartView] {
        let days = Array(range.days)
        return dimensions(rows, range: range).enumerated().map { index, dimension in
            let ranked = ranked(dimension)
            let all = dimension.totals.values.reduce(0, +)
            func detail(_ events: Int, _ signIns: Int) -> String {
                "\(Format.plural(events, "event")) (\(Format.percent(events, all))), \(Format.plural(signIns, "sign-in"))"
            }
            var series = ranked.prefix(topValues).enumerated().map { i, value in
                DayChart.Series(
                    name: value.text, color: colors[i], values: dimension.daily[value]!,
                    detail: detail(dimension.totals[value]!, dimension.signIns[value]!))
            }
            let rest = ranked.dropFirst(topValues)
            if !rest.isEmpty {
                var values = [Int](repeating: 0, count: days.count)
                var events = 0
                var signIns = 0
                for value in rest {
                    for (day, n) in dimension.daily[value]!.enumerated() { values[day] += n }
                    events += dimension.totals[value]!
                    signIns += dimension.signIns[value]!
                }
                series.append(
                    DayChart.Series(
                        name: "Other (\(Format.plural(rest.count, "value")))", color: otherColor, values: values,
                        detail: detail(events, signIns)))
            }
            return DayChart(
                id: "breakdown-\(index)", title: title(dimension.name), unit: "events",
                note: "\(dimension.name) in breakdown.csv: \(Format.plural(ranked.count, "value")), \(Format.plural(all, "event"))",
                style: .stackedBars, frame: .small, days: days, series: series
            ).view
        }
    }
}
