/// One chart as the template draws it (`PageTemplate.chart`): every number is already text,
/// so the template only places it.
///
/// A chart is an SVG with a fixed `viewBox` (`ChartFrame`), scaled to the page's width: the
/// same drawing on a phone, a monitor and paper. Each day of the range is one `DayMark`: a
/// `<g class="day">` holding the day's marks (dots or bar pieces), an invisible hit area, and
/// an SVG `<title>` with the day's values (the hover value; `PageScript` also shows it under
/// the chart on a tap). `data-day` and `data-values` repeat the values for the browser test.
struct ChartView: Equatable {
    /// The `data-chart` name, unique in the page (`dau`, `breakdown-2`).
    var id: String
    var title: String
    /// What the values count, written above the value axis (`users`, `sessions`).
    var unit: String
    /// A sentence under the chart, or empty.
    var note: String
    var width: String
    var height: String
    var plotLeft: String
    var plotRight: String
    var plotBottom: String
    var unitY: String
    var yLabelX: String
    var tickEnd: String
    var yTicks: [Tick]
    var xTicks: [Tick]
    var legend: [LegendItem]
    var lines: [Line]
    let days: [DayMark]
    /// The days' marks as SVG (`DayMark.write`, every value escaped by `HTMLText`), written
    /// here rather than by the template, which spent thousands of instructions on each of
    /// their values (docs/performance.md "Page faults, and the page"). Set with `days`, once.
    let marks: String
    /// Stored, as every value the template reads (`TemplateValuesTests` checks them against `Mirror`).
    var hasNote: Bool

    init(
        id: String, title: String, unit: String, note: String, frame: ChartFrame, yTicks: [Tick], xTicks: [Tick],
        legend: [LegendItem], lines: [Line], days: [DayMark]
    ) {
        width = Format.coordinate(frame.width)
        height = Format.coordinate(frame.height)
        plotLeft = Format.coordinate(frame.left)
        plotRight = Format.coordinate(frame.width - frame.right)
        plotBottom = Format.coordinate(frame.plotBottom)
        unitY = Format.coordinate(frame.top - 12)
        yLabelX = Format.coordinate(frame.left - 6)
        tickEnd = Format.coordinate(frame.plotBottom + 4)
        self.id = id
        self.title = title
        self.unit = unit
        self.note = note
        self.yTicks = yTicks
        self.xTicks = xTicks
        self.legend = legend
        self.lines = lines
        self.days = days
        var marks: [UInt8] = []
        for day in days { day.write(to: &marks) }
        self.marks = String(decoding: marks, as: UTF8.self)
        hasNote = !note.isEmpty
    }
}

/// A labelled position on an axis: `at` is the coordinate along it.
struct Tick: Equatable {
    var at: String
    /// Where the label's baseline sits on the other axis.
    var labelAt: String
    var label: String
}

struct LegendItem: Equatable {
    /// The colour class (`c-blue`).
    var color: String
    var name: String
    /// Totals after the name (`1,234 events · 45.1%`), or empty.
    var detail: String
    /// Drawn as a line (a swatch of a line chart) rather than a block.
    var isLine: Bool
    var hasDetail: Bool

    init(color: String, name: String, detail: String, isLine: Bool) {
        self.color = color
        self.name = name
        self.detail = detail
        self.isLine = isLine
        hasDetail = !detail.isEmpty
    }
}

/// One series of a line chart: an SVG path through its days' points.
struct Line: Equatable {
    var color: String
    var d: String
}

/// One day of a chart.
struct DayMark: Equatable {
    /// `YYYY-MM-DD`.
    var day: String
    /// The day's value of each series, comma-separated, in legend order.
    var values: String
    /// The hover value: the day, then one line per series.
    var tip: String
    /// The hit area: the day's whole band of the plot.
    var x: String
    var y: String
    var w: String
    var h: String
    var dots: [Dot]
    var bars: [Bar]

    /// The day's `<g class="day">` and a newline, as `ChartView.marks` holds it, as UTF-8.
    func write(to out: inout [UInt8]) {
        func put(_ text: StaticString) { text.withUTF8Buffer { out.append(contentsOf: $0) } }
        /// ` name="value"`, the value escaped.
        func attribute(_ name: StaticString, _ value: String) {
            put(" ")
            put(name)
            put("=\"")
            HTMLText.append(value, to: &out)
            put("\"")
        }
        put("<g class=\"day\"")
        attribute("data-day", day)
        attribute("data-values", values)
        put("><title>")
        HTMLText.append(tip, to: &out)
        put("</title><rect class=\"hit\"")
        attribute("x", x)
        attribute("y", y)
        attribute("width", w)
        attribute("height", h)
        put("></rect>")
        for bar in bars {
            put("<rect class=\"bar ")
            HTMLText.append(bar.color, to: &out)
            put("\"")
            attribute("x", bar.x)
            attribute("y", bar.y)
            attribute("width", bar.w)
            attribute("height", bar.h)
            put("></rect>")
        }
        for dot in dots {
            put("<circle class=\"dot ")
            HTMLText.append(dot.color, to: &out)
            put("\"")
            attribute("cx", dot.cx)
            attribute("cy", dot.cy)
            put(" r=\"3\"></circle>")
        }
        put("</g>\n")
    }
}

struct Dot: Equatable {
    var color: String
    var cx: String
    var cy: String
}

struct Bar: Equatable {
    var color: String
    var x: String
    var y: String
    var w: String
    var h: String
}
