import Mustache
import Testing

@testable import AuthStatsHTML

/// The values that give the template their fields by name (`TemplateValues.swift`) give
/// every stored property, the same value `Mirror` finds, and nothing else.
@Suite("report.html: the template's values by name equal what Mirror reads")
struct TemplateValuesTests {
    static func check(_ value: some MustacheParent, sourceLocation: SourceLocation = #_sourceLocation) {
        let mirror = Mirror(reflecting: value)
        #expect(!mirror.children.isEmpty, sourceLocation: sourceLocation)
        for child in mirror.children {
            guard let label = child.label else { continue }
            let named = value.child(named: label)
            #expect(named != nil, "\(type(of: value)).\(label) is not given by name", sourceLocation: sourceLocation)
            #expect(String(describing: named.map { $0 } ?? "nil") == String(describing: child.value), "\(label)", sourceLocation: sourceLocation)
        }
        #expect(value.child(named: "noSuchField") == nil, sourceLocation: sourceLocation)
    }

    @Test("each value's every field")
    func everyField() throws {
        let dot = Dot(color: "c-blue", cx: "1", cy: "2")
        let bar = Bar(color: "c-red", x: "1", y: "2", w: "3", h: "4")
        let day = DayMark(day: "2026-01-01", values: "1,2", tip: "tip", x: "1", y: "2", w: "3", h: "4", dots: [dot], bars: [bar])
        let tick = Tick(at: "1", labelAt: "2", label: "ten")
        let legend = LegendItem(color: "c-blue", name: "ios", detail: "3 events", isLine: true)
        let line = Line(color: "c-blue", d: "M0 0")
        let chart = ChartView(
            id: "dau", title: "Daily", unit: "users", note: "a note", frame: .wide, yTicks: [tick], xTicks: [tick],
            legend: [legend], lines: [line], days: [day])
        let cell = RetentionTable.Cell(text: "40.0%", level: "h4", tip: "4 of 10")
        let row = RetentionTable.Row(cohort: "2026-01-01", size: "10", cells: [cell])
        let input = InputsSection.Input(location: "a.gz", format: "pinpoint", compression: "gzip", status: "ok", error: "", cells: ["1"])
        Self.check(tick)
        Self.check(legend)
        Self.check(line)
        Self.check(chart)
        Self.check(cell)
        Self.check(row)
        Self.check(input)
        let page = PageView(PageTests.hostileInput())
        Self.check(page)
        Self.check(PageView.Section(id: "overview", title: "Overview"))
        Self.check(PageView.ColumnName(name: "Users"))
        Self.check(Figure(label: "Sign-ins", value: "12", detail: "of 14", change: "▲ 5%", direction: "better", previous: "11", hasChange: true))
        Self.check(SegmentsSection.Row(name: "pro", cells: ["1"], file: "segments/pro.csv"))
        Self.check(ProjectsSection.Row(name: "app", cells: ["2"], page: "projects/app/report.html", href: "projects/app/report.html"))
        Self.check(page.inputs)
        Self.check(InputsSection.Total(label: "Inputs", value: "3"))
        Self.check(InputsSection.Group(format: "pinpoint", compression: "gzip", status: "ok", cells: ["3"]))
        Self.check(InputsSection.Reason(reason: "not JSON", count: "2"))
        Self.check(InputsSection.Reject(location: "a.gz", record: "4", reason: "not JSON", raw: "{"))
        let segments = try #require(page.segments.first, "the hostile input has segments")
        Self.check(segments)
        var withProjects = PageTests.hostileInput()
        withProjects.projects = [HTMLReport.Project(id: "app", reports: withProjects.reports, page: "projects/app/report.html")]
        let projects = try #require(PageView(withProjects).projects.first)
        Self.check(projects)
    }
}
