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
        /// Its values (as exact text, as breakdown.csv keeps them: `ExactText`) in the order
        /// first met; the arrays below by the same place: events per day of the range, events
        /// and sign-ins over it.
        var values: [ExactText] = []
        var daily: [[Int]] = []
        var totals: [Int] = []
        var signIns: [Int] = []
        /// Each value's place in the arrays.
        var places: [ExactText: Int] = [:]

        init(name: String) { self.name = name }

        /// The place of `value`, added with no events if it is new.
        mutating func place(of value: ExactText, days: Int) -> Int {
            if let place = places[value] { return place }
            places[value] = values.count
            values.append(value)
            daily.append([Int](repeating: 0, count: days))
            totals.append(0)
            signIns.append(0)
            return values.count - 1
        }
    }

    /// The dimensions of `rows`, each with its values' events on each day of `range` (the days
    /// the charts draw) and their totals over `whole` (the report's range; `range` when nil:
    /// for a range longer than the charts draw, the legends, shares and note had counted the
    /// drawn days only, and disagreed with breakdown.csv, until 2026-12-07).
    ///
    /// Found by the dimension's number (an attribute's by its name) and each value's place in
    /// arrays: three dictionaries of value to numbers, each looked up and stored again on every
    /// row, with a dictionary of names before them, had cost ~4,700 instructions a row (the
    /// page of 10,000 rows of 300 values ~47 M).
    static func dimensions(_ rows: [BreakdownRow], range: DayRange, over whole: DayRange? = nil) -> [Dimension] {
        var dimensions: [Dimension] = []
        var byNumber = [Int](repeating: -1, count: AuthStatsCore.Dimension.allCases.count)
        var byAttribute: [String: Int] = [:]
        for row in rows where (whole ?? range).contains(row.date) {
            let at: Int
            if let attribute = row.attribute {
                if let known = byAttribute[attribute] {
                    at = known
                } else {
                    at = dimensions.count
                    byAttribute[attribute] = at
                    dimensions.append(Dimension(name: row.dimensionName))
                }
            } else if byNumber[row.dimension.rawValue] >= 0 {
                at = byNumber[row.dimension.rawValue]
            } else {
                at = dimensions.count
                byNumber[row.dimension.rawValue] = at
                dimensions.append(Dimension(name: row.dimensionName))
            }
            let place = dimensions[at].place(of: ExactText(row.value), days: range.count)
            if range.contains(row.date) { dimensions[at].daily[place][range.first.distance(to: row.date)] += row.events }
            dimensions[at].totals[place] += row.events
            dimensions[at].signIns[place] += row.signIns
        }
        let known = order.compactMap { name in dimensions.first { $0.name == name } }
        let attributes = dimensions.filter { !order.contains($0.name) }.sorted { ExactText.precedes($0.name, $1.name) }
        return known + attributes
    }

    /// The places of a dimension's values by events over the range, most first (ties by
    /// value, bytes).
    static func rankedPlaces(_ dimension: Dimension) -> [Int] {
        dimension.values.indices.sorted { a, b in
            let (x, y) = (dimension.totals[a], dimension.totals[b])
            return x != y ? x > y : ExactText.precedes(dimension.values[a].text, dimension.values[b].text)
        }
    }

    /// The values of a dimension by events over the range, most first (ties by value, bytes).
    static func ranked(_ dimension: Dimension) -> [ExactText] { rankedPlaces(dimension).map { dimension.values[$0] } }

    static func title(_ name: String) -> String {
        titles[name] ?? (name.hasPrefix("attr:") ? "Attribute " + String(name.dropFirst(5)) : name)
    }

    /// Characters of a value a legend shows: a value is the log's, and five of 100 KB made a
    /// page of 45 MB and 812,767 pixels across (each day's hover text repeats them), and an
    /// 80-character build name ran over the next chart (a review, 2026-12-07).
    static let shownLimit = 40

    /// `value` as a legend shows it: its first `shownLimit` Unicode scalars and `…` when longer
    /// (scalars, not characters: one character can carry any number of combining marks).
    static func shown(_ value: String, limit: Int = shownLimit) -> String {
        let scalars = value.unicodeScalars
        guard scalars.count > limit else { return value }
        return String(String.UnicodeScalarView(scalars.prefix(limit))) + "…"
    }

    /// Characters of a segment's name or a project's id a chart's title shows (the table above
    /// the charts has it whole): a 3,000-character name made a page 36,674 pixels wide.
    static let titleLimit = 200

    /// The chart of each dimension: its days `range`'s, its figures over `whole` (`range` when nil).
    static func charts(_ rows: [BreakdownRow], range: DayRange, over whole: DayRange? = nil) -> [ChartView] {
        let days = Array(range.days)
        return dimensions(rows, range: range, over: whole).enumerated().map { index, dimension in
            let ranked = rankedPlaces(dimension)
            let all = dimension.totals.reduce(0, +)
            func detail(_ events: Int, _ signIns: Int) -> String {
                "\(Format.plural(events, "event")) (\(Format.percent(events, all))), \(Format.plural(signIns, "sign-in"))"
            }
            var cut = false
            var series = ranked.prefix(topValues).enumerated().map { i, place in
                let name = dimension.values[place].text
                let shown = Self.shown(name)
                if shown != name { cut = true }
                return DayChart.Series(
                    name: shown, color: colors[i], values: dimension.daily[place],
                    detail: detail(dimension.totals[place], dimension.signIns[place]))
            }
            let rest = ranked.dropFirst(topValues)
            if !rest.isEmpty {
                var values = [Int](repeating: 0, count: days.count)
                var events = 0
                var signIns = 0
                for place in rest {
                    for (day, n) in dimension.daily[place].enumerated() { values[day] += n }
                    events += dimension.totals[place]
                    signIns += dimension.signIns[place]
                }
                series.append(
                    DayChart.Series(
                        name: "Other (\(Format.plural(rest.count, "value")))", color: otherColor, values: values,
                        detail: detail(events, signIns)))
            }
            return DayChart(
                id: "breakdown-\(index)", title: title(dimension.name), unit: "events",
                note: "\(dimension.name) in breakdown.csv: \(Format.plural(ranked.count, "value")), \(Format.plural(all, "event"))"
                    + (cut ? "; values longer than \(Self.shownLimit) characters are cut here (breakdown.csv has them whole)" : ""),
                style: .stackedBars, frame: .small, days: days, series: series
            ).view
        }
    }
}
