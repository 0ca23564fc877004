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
    /// What the chart shows in words, its text alternative (`aria-label`): a screen reader
    /// heard only its title (a review, 2026-12-07). The title until `DayChart` says more.
    var summary: String
    /// What the values count, written above the value axis (`users`, `sessions`).
    var unit: String
    /// A sentence under the chart, or empty.
    var note: String
    var width: String
    var height: String
    let plotLeft: String
    let plotRight: String
    let plotBottom: String
    let unitY: String
    let yLabelX: String
    let tickEnd: String
    let yTicks: [Tick]
    let xTicks: [Tick]
    let legend: [LegendItem]
    let lines: [Line]
    let days: [DayMark]
    /// The days' marks as SVG (`DayMark.write`, every value escaped by `HTMLText`), written
    /// here rather than by the template, which spent thousands of instructions on each of
    /// their values (docs/performance.md "Page faults, and the page"). Set with `days`, once.
    let marks: String
    /// The legend's items and the axes (grid, value ticks, the plot's base line, day ticks)
    /// with the lines' paths, written here as the marks are (`HTMLBytes`), from the values
    /// above. Set once.
    let legendItems: String
    let axes: String
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
        summary = title
        self.unit = unit
        self.note = note
        self.yTicks = yTicks
        self.xTicks = xTicks
        self.legend = legend
        self.lines = lines
        self.days = days
        var marks = HTMLBytes()
        for day in days { day.write(to: &marks) }
        self.marks = marks.string
        var items = HTMLBytes()
        for item in legend { item.write(to: &items) }
        legendItems = items.string
        axes = Self.axes(
            yTicks: yTicks, xTicks: xTicks, lines: lines, left: plotLeft, right: plotRight, bottom: plotBottom,
            labelX: yLabelX, tickEnd: tickEnd)
        hasNote = !note.isEmpty
    }

    /// The grid with the value ticks, the plot's base line, the day ticks, then each line's
    /// path.
    private static func axes(
        yTicks: [Tick], xTicks: [Tick], lines: [Line], left: String, right: String, bottom: String, labelX: String,
        tickEnd: String
    ) -> String {
        var out = HTMLBytes()
        /// `<line …></line>` from (x1, y1) to (x2, y2); `open` is the tag up to its attributes.
        func line(_ open: StaticString, _ x1: String, _ x2: String, _ y1: String, _ y2: String) {
            out.put(open)
            out.attribute("x1", x1)
            out.attribute("x2", x2)
            out.attribute("y1", y1)
            out.attribute("y2", y2)
            out.put("></line>")
        }
        /// A tick's `<text …>label</text>` at `x`.
        func label(_ open: StaticString, _ x: String, _ tick: Tick) {
            out.put(open)
            out.attribute("x", x)
            out.attribute("y", tick.labelAt)
            out.put(">")
            out.text(tick.label)
            out.put("</text>")
        }
        out.put("<g class=\"grid\">")
        for tick in yTicks {
            line("<line", left, right, tick.at, tick.at)
            label("<text class=\"y\"", labelX, tick)
        }
        out.put("</g>\n")
        line("<line class=\"axis\"", left, right, bottom, bottom)
        out.put("\n<g class=\"xaxis\">")
        for tick in xTicks {
            line("<line class=\"axis\"", tick.at, tick.at, bottom, tickEnd)
            label("<text class=\"x\"", tick.at, tick)
        }
        out.put("</g>\n")
        for line in lines {
            out.put("<path class=\"line ")
            out.text(line.color)
            out.put("\"")
            out.attribute("d", line.d)
            out.put("></path>\n")
        }
        return out.string
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
    /// The colour class (`c-blue`), and a line's dash class after it (`c-red dash2`, `DayChart.dash`).
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

    /// The item as `ChartView.legendItems` holds it.
    func write(to out: inout HTMLBytes) {
        out.put("<li><span class=\"sw ")
        out.text(color)
        if isLine { out.put(" line") }
        out.put("\"></span><bdi>")
        out.text(name)
        out.put("</bdi>")
        if hasDetail {
            out.put(" <span class=\"detail\">")
            out.text(detail)
            out.put("</span>")
        }
        out.put("</li>")
    }
}

/// One series of a line chart: an SVG path through its days' points.
struct Line: Equatable {
    /// The colour class, and the dash class after it (`DayChart.dash`).
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

    /// The day's `<g class="day">` and a newline, as `ChartView.marks` holds it.
    func write(to out: inout HTMLBytes) {
        out.put("<g class=\"day\"")
        out.attribute("data-day", day)
        out.attribute("data-values", values)
        out.put("><title>")
        out.text(tip)
        /// A `<rect …></rect>`'s place and size, and its end.
        func box(_ x: String, _ y: String, _ w: String, _ h: String) {
            out.attribute("x", x)
            out.attribute("y", y)
            out.attribute("width", w)
            out.attribute("height", h)
            out.put("></rect>")
        }
        out.put("</title><rect class=\"hit\"")
        box(x, y, w, h)
        for bar in bars {
            out.put("<rect class=\"bar ")
            out.text(bar.color)
            out.put("\"")
            box(bar.x, bar.y, bar.w, bar.h)
        }
        for dot in dots {
            out.put("<circle class=\"dot ")
            out.text(dot.color)
            out.put("\"")
            out.attribute("cx", dot.cx)
            out.attribute("cy", dot.cy)
            out.put(" r=\"3\"></circle>")
        }
        out.put("</g>\n")
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
