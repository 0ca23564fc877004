import AuthStatsCore

/// Builds a `ChartView` of values per day: lines (each series a path with a dot per day) or
/// stacked bars (each series a piece of the day's bar, bottom up in legend order).
struct DayChart {
    enum Style {
        case lines
        case stackedBars
    }

    /// One series: its name, colour class and one value per day of the chart.
    struct Series: Equatable {
        var name: String
        var color: String
        var values: [Int]
        /// Text after the name in the legend, or empty.
        var detail = ""
    }

    /// Dots are drawn on line charts of at most this many days (above, only the lines: a
    /// year of dots is a smear, and the hover values are still there per day).
    static let dotLimit = 62

    var id: String
    var title: String
    var unit: String
    var note = ""
    var style: Style
    var kind = ValueAxis.Kind.count
    var frame = ChartFrame.wide
    var days: [Day]
    var series: [Series]

    /// The chart as the template draws it.
    var view: ChartView {
        let axis = DayAxis(days: days, frame: frame)
        let top = days.indices.map { i in
            style == .lines ? series.map { $0.values[i] }.max() ?? 0 : series.reduce(0) { $0 + $1.values[i] }
        }.max() ?? 0
        let values = ValueAxis(kind: kind, upTo: top, frame: frame)
        let band = axis.band
        // Bars with gaps between them, but for one day (not the whole plot wide) and for long
        // ranges, where gaps of a fraction of a pixel would only shimmer.
        let barWidth = band * (days.count == 1 ? 0.4 : days.count > Self.dotLimit ? 1 : 0.72)

        var marks: [DayMark] = []
        marks.reserveCapacity(days.count)
        for (i, day) in days.enumerated() {
            let x = axis.x(i)
            var tip = [Format.longDay(day)] + series.map { "\(Format.isolated($0.name)): \(values.text($0.values[i]))" }
            if style == .stackedBars && series.count > 1 {
                tip.append("All: \(values.text(series.reduce(0) { $0 + $1.values[i] }))")
            }
            var dots: [Dot] = []
            var bars: [Bar] = []
            switch style {
            case .lines where days.count <= Self.dotLimit:
                dots = series.map {
                    Dot(color: $0.color, cx: Format.coordinate(x), cy: Format.coordinate(values.y($0.values[i])))
                }
            case .lines:
                break
            case .stackedBars:
                var below = 0
                for s in series where s.values[i] > 0 {
                    let top = values.y(below + s.values[i])
                    bars.append(
                        Bar(
                            color: s.color, x: Format.coordinate(x - barWidth / 2), y: Format.coordinate(top),
                            w: Format.coordinate(barWidth), h: Format.coordinate(values.y(below) - top)))
                    below += s.values[i]
                }
            }
            marks.append(
                DayMark(
                    day: day.description, values: series.map { String($0.values[i]) }.joined(separator: ","),
                    tip: tip.joined(separator: "\n"), x: Format.coordinate(x - band / 2), y: Format.coordinate(frame.top),
                    w: Format.coordinate(band), h: Format.coordinate(frame.plotHeight), dots: dots, bars: bars))
        }

        // Each series' classes, its line's and its legend swatch's: its colour, and on a line
        // chart its dash.
        let classes = series.indices.map { series[$0].color + (style == .lines ? Self.dash($0) : "") }
        let lines: [Line] = style == .lines ? zip(series, classes).map { s, color in
            let points = s.values.indices.map { "\(Format.coordinate(axis.x($0))) \(Format.coordinate(values.y(s.values[$0])))" }
            return Line(color: color, d: "M" + points.joined(separator: "L"))
        } : []
        var view = ChartView(
            id: id, title: title, unit: unit, note: note, frame: frame, yTicks: values.ticks, xTicks: axis.ticks,
            legend: zip(series, classes).map { LegendItem(color: $1, name: $0.name, detail: $0.detail, isLine: style == .lines) },
            lines: lines, days: marks)
        view.summary = summary(values)
        return view
    }

    /// The class a line chart's series `i` adds to its colour's: none, dashes or dots, so that
    /// lines are told apart without their colours (sign-ups' green and failures' red are alike
    /// to a red-green colour-blind reader: a review, 2026-12-07).
    static func dash(_ i: Int) -> String { ["", " dash1", " dash2"][i % 3] }

    /// The chart in words: its days, and each series' lowest and highest value and its last
    /// day's (`New users, Oct 28 2026 to Nov 6 2026: New users from 0 to 10, 1 on the last day`).
    private func summary(_ values: ValueAxis) -> String {
        guard let first = days.first, let last = days.last else { return Format.isolated(title) }
        let span = first == last ? Format.shortDay(first, year: true) : "\(Format.shortDay(first, year: true)) to \(Format.shortDay(last, year: true))"
        let each = series.map { s in
            "\(Format.isolated(s.name)) from \(values.text(s.values.min() ?? 0)) to \(values.text(s.values.max() ?? 0)), \(values.text(s.values.last ?? 0)) on the last day"
        }
        return "\(Format.isolated(title)), \(span): " + each.joined(separator: "; ")
    }
}
