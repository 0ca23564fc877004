@testable import AuthStatsCore
import Mustache
import Testing

@testable import AuthStatsHTML

/// The chart geometry: axes, and each day's values, hover text and marks.
@Suite("report.html: chart data points")
struct ChartTests {
    let days = (0..<5).map { Day(iso: "2026-10-28")!.advanced(by: $0) }

    @Test("count axes: steps of 1, 2 or 5 times a power of ten, at most 5 of them, to the top value")
    func countAxis() {
        for (top, max, step) in [(0, 1, 1), (1, 1, 1), (4, 4, 1), (6, 6, 2), (10, 10, 2), (11, 15, 5), (38, 40, 10), (99, 100, 20), (1234, 1500, 500)] {
            let axis = ValueAxis(kind: .count, upTo: top)
            #expect(axis.max == max && axis.step == step, "top \(top): \(axis.max) by \(axis.step)")
            #expect(axis.max >= top && axis.max / axis.step <= 5)
        }
        let axis = ValueAxis(kind: .count, upTo: 38)
        #expect(axis.ticks.map(\.label) == ["0", "10", "20", "30", "40"])
        #expect(axis.y(0) == ChartFrame.wide.plotBottom)
        #expect(axis.y(40) == ChartFrame.wide.top)
    }

    @Test("duration and rate axes")
    func otherAxes() {
        let duration = ValueAxis(kind: .duration, upTo: 577)
        #expect(duration.step == 120 && duration.max == 600)
        #expect(duration.ticks.map(\.label) == ["0", "2m", "4m", "6m", "8m", "10m"])
        #expect(duration.text(368) == "6m 08s")
        let long = ValueAxis(kind: .duration, upTo: 2_000_000)
        #expect(long.max >= 2_000_000 && long.max / long.step <= 5)
        let rate = ValueAxis(kind: .permille, upTo: 250)
        #expect(rate.ticks.map(\.label) == ["0%", "5%", "10%", "15%", "20%", "25%"])
        #expect(rate.text(144) == "14.4%")
        #expect(ValueAxis(kind: .permille, upTo: 1000).max == 1000)
    }

    @Test("day labels: at most 7 on a wide chart, 5 on a small one; months for long ranges; the year where the range spans two")
    func dayLabels() {
        let ten = (0..<10).map { days[0].advanced(by: $0) }
        #expect(DayAxis(days: ten).ticks.map(\.label) == ["Oct 28", "Oct 30", "Nov 1", "Nov 3", "Nov 5"])
        let sixWeeks = (0..<42).map { days[0].advanced(by: $0) }
        #expect(DayAxis(days: sixWeeks).ticks.map(\.label) == ["Oct 28", "Nov 4", "Nov 11", "Nov 18", "Nov 25", "Dec 2"])
        let year = (0..<366).map { Day(iso: "2025-11-01")!.advanced(by: $0) }
        #expect(DayAxis(days: year).ticks.map(\.label) == ["Nov 2025", "Jan 2026", "Mar", "May", "Jul", "Sep", "Nov"])
        #expect(DayAxis(days: year, frame: .small).ticks.map(\.label) == ["Jan 2026", "Apr", "Jul", "Oct"])
        let newYear = (0..<10).map { Day(iso: "2025-12-28")!.advanced(by: $0) }
        #expect(DayAxis(days: newYear).ticks.map(\.label) == ["Dec 28 2025", "Dec 30", "Jan 1 2026", "Jan 3", "Jan 5"])
        let spanning = (0..<90).map { Day(iso: "2025-11-20")!.advanced(by: $0) }
        #expect(DayAxis(days: spanning).ticks.map(\.label) == ["Dec 2025", "Jan 2026", "Feb"])
        let decade = (0..<3653).map { Day(iso: "2020-01-01")!.advanced(by: $0) }
        #expect(DayAxis(days: decade).ticks.count <= 7)
        #expect(DayAxis(days: [days[0]]).ticks.map(\.label) == ["Oct 28"])
    }

    @Test("a line chart: per day the values, the hover text, a dot per series on the value")
    func lines() {
        let chart = DayChart(
            id: "t", title: "T", unit: "users", style: .lines, days: days,
            series: [
                .init(name: "A", color: "c-blue", values: [1, 2, 3, 4, 5]), .init(name: "B", color: "c-teal", values: [10, 0, 7, 0, 2]),
            ]
        ).view
        let axis = ValueAxis(kind: .count, upTo: 10)
        #expect(chart.days.map(\.day) == days.map(\.description))
        #expect(chart.days.map(\.values) == ["1,10", "2,0", "3,7", "4,0", "5,2"])
        #expect(chart.days[0].tip == "Wed 2026-10-28\nA: 1\nB: 10")
        for (i, mark) in chart.days.enumerated() {
            #expect(mark.dots.map(\.cy) == [[1, 2, 3, 4, 5][i], [10, 0, 7, 0, 2][i]].map { Format.coordinate(axis.y($0)) })
            #expect(mark.dots.allSatisfy { $0.cx == Format.coordinate(DayAxis(days: days).x(i)) })
            #expect(mark.bars.isEmpty)
        }
        #expect(chart.lines.count == 2)
        #expect(chart.lines[0].d.split(separator: "L").count == 5)
        #expect(chart.legend.map(\.name) == ["A", "B"] && chart.legend.allSatisfy(\.isLine))
        // The second line dashed, in the chart and its legend: told apart without colour.
        #expect(chart.lines.map(\.color) == ["c-blue", "c-teal dash1"] && chart.legend.map(\.color) == ["c-blue", "c-teal dash1"])
        // Its text alternative: a screen reader heard only "T, image".
        #expect(chart.summary == "T, Oct 28 2026 to Nov 1 2026: A from 1 to 5, 5 on the last day; B from 0 to 10, 2 on the last day")
    }

    @Test("a value with a right-to-left override or letters is isolated in the day text, its own isolates closed; ASCII stays as it is")
    func bidiIsolated() {
        let chart = DayChart(
            id: "t", title: "T", unit: "events", style: .stackedBars, days: days,
            series: [
                .init(name: "iOS\u{202E}", color: "c-blue", values: [12, 0, 0, 0, 0]),
                .init(name: "\u{2067}x\u{2069}\u{2069}\u{2067}", color: "c-gray", values: [3, 0, 0, 0, 0]),
                .init(name: "עברית", color: "c-teal", values: [1, 0, 0, 0, 0]),
            ]
        ).view
        #expect(chart.days[0].tip == "Wed 2026-10-28\n\u{2068}iOS\u{202E}\u{2069}: 12\n\u{2068}\u{2067}x\u{2067}\u{2069}\u{2069}\u{2069}: 3\n"
            + "\u{2068}עברית\u{2069}: 1\nAll: 16")
        #expect(chart.summary.contains("\u{2068}iOS\u{202E}\u{2069} from 0 to 12"))
        #expect(Format.isolated("ios") == "ios" && Format.isolated("Français") == "Français")
    }

    @Test("stacked bars: a piece per value above 0, bottom up, the pieces as tall as the day's total")
    func stackedBars() {
        let chart = DayChart(
            id: "t", title: "T", unit: "events", style: .stackedBars, days: days,
            series: [
                .init(name: "ios", color: "c-blue", values: [3, 0, 1, 0, 4]), .init(name: "Other", color: "c-gray", values: [2, 5, 0, 0, 1]),
            ]
        ).view
        let axis = ValueAxis(kind: .count, upTo: 5)
        #expect(chart.days.map(\.values) == ["3,2", "0,5", "1,0", "0,0", "4,1"])
        #expect(chart.days.map { $0.bars.count } == [2, 1, 1, 0, 2])
        #expect(chart.days[0].tip == "Wed 2026-10-28\nios: 3\nOther: 2\nAll: 5")
        let first = chart.days[0].bars
        #expect(first.map(\.color) == ["c-blue", "c-gray"])
        #expect(first[0].y == Format.coordinate(axis.y(3)))
        #expect(first[1].y == Format.coordinate(axis.y(5)))
        let heights = first.map { Double($0.h)! }
        #expect(abs(heights.reduce(0, +) - (axis.y(0) - axis.y(5))) < 0.2)
        #expect(chart.lines.isEmpty)
    }

    /// The days' part of the chart partial as the template held it before `DayMark.write`,
    /// with the line after it (the standalone `{{/days}}` line is dropped whole).
    static let daysTemplate = """
        {{#days}}<g class="day" data-day="{{day}}" data-values="{{values}}"><title>{{tip}}</title><rect class="hit" x="{{x}}" y="{{y}}" width="{{w}}" height="{{h}}"></rect>{{#bars}}<rect class="bar {{color}}" x="{{x}}" y="{{y}}" width="{{w}}" height="{{h}}"></rect>{{/bars}}{{#dots}}<circle class="dot {{color}}" cx="{{cx}}" cy="{{cy}}" r="3"></circle>{{/dots}}</g>
        {{/days}}
        </svg>
        """

    @Test("the days' marks: the bytes the template wrote for them, each value escaped, also before a combining mark")
    func marks() throws {
        let chart = DayChart(
            id: "t", title: "T", unit: "events", style: .stackedBars, days: days,
            series: [
                .init(name: PageTests.hostile, color: "c-blue", values: [3, 0, 1, 0, 4]),
                .init(name: "a & b 'q'", color: "c-gray", values: [2, 5, 0, 0, 1]),
            ]
        ).view
        let lines = DayChart(
            id: "l", title: "L", unit: "users", style: .lines, days: days,
            series: [.init(name: PageTests.quoted, color: "c-teal", values: [1, 2, 3, 4, 5])]
        ).view
        // What swift-mustache makes of the days with the template's old text (values as
        // dictionaries: it reads those without any help).
        func context(_ chart: ChartView) -> [String: Any] {
            [
                "days": chart.days.map { day -> [String: Any] in
                    [
                        "day": day.day, "values": day.values, "tip": day.tip, "x": day.x, "y": day.y, "w": day.w, "h": day.h,
                        "bars": day.bars.map { ["color": $0.color, "x": $0.x, "y": $0.y, "w": $0.w, "h": $0.h] },
                        "dots": day.dots.map { ["color": $0.color, "cx": $0.cx, "cy": $0.cy] },
                    ]
                }
            ]
        }
        let template = try MustacheTemplate(string: Self.daysTemplate)
        for view in [chart, lines] {
            #expect(!view.marks.isEmpty)
            #expect(view.marks + "</svg>" == template.render(context(view)))
        }
        #expect(!chart.marks.contains(PageTests.hostile) && chart.marks.contains("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"))
        #expect(chart.marks.contains("a &amp; b &#39;q&#39;"))
        // A quote followed by a combining mark is one `Character`, which swift-mustache's
        // escaping passes over whole; the marks escape it byte by byte.
        #expect(HTMLText.escaped("x\"\u{301} onmouseover=y '\u{301}<\u{301}&") == "x&quot;\u{301} onmouseover=y &#39;\u{301}&lt;\u{301}&amp;")
        #expect(HTMLText.escaped("") == "" && HTMLText.escaped("plain ü") == "plain ü")
        // A prepended mark before one (U+0600), a joiner or a variation selector after one,
        // nothing but the five.
        #expect(HTMLText.escaped("\u{600}<meta>") == "\u{600}&lt;meta&gt;")
        #expect(HTMLText.escaped("&\u{200D}x '\u{FE0F}") == "&amp;\u{200D}x &#39;\u{FE0F}")
        // Control characters but tab, line feed and carriage return: U+FFFD (HTML has no place
        // for them, and an ESC would move a terminal's cursor).
        #expect(HTMLText.escaped("a\u{0}b\u{1B}[2Jc\u{7F}\u{8}") == "a\u{FFFD}b\u{FFFD}[2Jc\u{FFFD}\u{FFFD}")
        #expect(HTMLText.escaped("tab\tline\nreturn\r") == "tab\tline\nreturn\r")
        // C1 too (U+009B is a terminal's CSI), and the letters of the same lead byte as they are.
        #expect(HTMLText.escaped("a\u{9B}2J\u{80}b\u{9F}<\u{A0}é©") == "a\u{FFFD}2J\u{FFFD}b\u{FFFD}&lt;\u{A0}é©")
        var bytes = HTMLBytes()
        bytes.text("\u{1B}<")
        #expect(bytes.string == "\u{FFFD}&lt;")
        #expect(HTMLText.escaped("<>&\"'") == "&lt;&gt;&amp;&quot;&#39;")
    }

    @Test("long ranges: no dots past 62 days, every day still has its values and hover text")
    func longRange() {
        let year = (0..<365).map { days[0].advanced(by: $0) }
        let chart = DayChart(
            id: "t", title: "T", unit: "users", style: .lines, days: year,
            series: [.init(name: "A", color: "c-blue", values: Array(0..<365))]
        ).view
        #expect(chart.days.count == 365)
        #expect(chart.days.allSatisfy { $0.dots.isEmpty })
        #expect(chart.days[364].values == "364")
        #expect(chart.lines[0].d.split(separator: "L").count == 365)
    }
}
