import AuthStatsCore

/// Everything `PageTemplate` shows, computed from an `HTMLReport.Input`: text and flags only
/// (the template reads stored properties by name, `TemplateValues.swift`, and has no logic
/// of its own).
struct PageView {
    struct Section: Equatable {
        var id: String
        var title: String
    }

    struct ColumnName: Equatable {
        var name: String
    }

    var csp: String
    var css: String
    var script: String
    var version: String
    var timezone: String
    var title: String
    /// The page's heading: a project's page names its project.
    var heading: String
    var hasRange: Bool
    var rangeText: String
    /// Why the charts draw fewer days than the range holds (`chartDays`), or empty.
    var chartNote = ""
    var comparison: String
    var sections: [Section]
    var figures: [Figure]
    var activity: [ChartView]
    var auth: [ChartView]
    var sessions: [ChartView]
    var breakdowns: [ChartView]
    var hasBreakdowns: Bool
    let retention: [RetentionTable.Row]
    /// `retention` as the table's rows (`RetentionTable.Row.write`).
    var retentionRows: String
    var retentionColumns: [ColumnName]
    var hasRetention: Bool
    var segments: [SegmentsSection]
    var projects: [ProjectsSection]
    var projectColumns: [ColumnName]
    var segmentColumns: [ColumnName]
    var inputs: InputsSection
    var inputColumns: [ColumnName]
    var groupColumns: [ColumnName]

    /// A range of more than this many days (two years) is charted over the part of it from
    /// its first to its last day with an event, and at most this many of them, the last: a
    /// chart of decades is a smear of empty days (and was ~2.7 KB a day a chart; one event of
    /// 1970, a device's clock, beside a year of data made a page of 190 MB in 870 MB of
    /// memory, a review found). A range of this many or fewer is charted whole, so a nightly
    /// page keeps its axis and shows a day without events as one.
    static let chartDayLimit = 731

    /// Whether a day of `daily.csv` has an event (the 7- and 30-day columns run on after one;
    /// `events` counts those without a user too, which the breakdown charts draw).
    static func hasEvents(_ row: DailyRow) -> Bool {
        row.events > 0 || row.activeUsers > 0 || row.signUps > 0 || row.signIns > 0 || row.authFailures > 0 || row.sessions > 0
    }

    /// The days the charts draw (`chartDayLimit`), and why, when not the range: "the days with
    /// events", "the last N days up to its last day with an event" when those lie further
    /// apart, or for a long range without any event "the range's last N days".
    static func chartDays(_ range: DayRange, daily: [DailyRow]) -> (days: DayRange, cut: String?) {
        guard range.count > chartDayLimit else { return (range, nil) }
        if let first = daily.first(where: hasEvents), let last = daily.last(where: hasEvents) {
            let span = DayRange(first: first.date, last: last.date)
            if span.count > chartDayLimit {
                return (
                    DayRange(first: last.date.advanced(by: -(chartDayLimit - 1)), last: last.date),
                    "the \(Format.days(chartDayLimit)) up to its last day with an event"
                )
            }
            return (span, "the days with events")
        }
        return (DayRange(first: range.last.advanced(by: -(chartDayLimit - 1)), last: range.last), "the range's last \(Format.days(chartDayLimit))")
    }

    init(_ input: HTMLReport.Input) {
        let reports = input.reports
        csp = PageAssets.contentSecurityPolicy
        css = PageAssets.stylesheet
        script = PageAssets.script
        version = input.run.version
        timezone = input.run.timezone
        // The charts' days: a range of decades (`--from 1970-01-01`) drew a mark a day in every
        // chart, a page of hundreds of MB that no browser shows.
        let chart = reports.range.map { Self.chartDays($0, daily: reports.daily) }
        let drawn = chart?.days
        let daily = reports.daily.filter { drawn?.contains($0.date) ?? true }
        let days = daily.map(\.date)
        if let drawn, let cut = chart?.cut {
            chartNote = "The charts show \(drawn.first) to \(drawn.last), \(cut) of a range of more than "
                + "\(Format.days(Self.chartDayLimit)) (the figures above and the .csv and .json files hold every day)."
        }
        if let range = reports.range {
            hasRange = true
            rangeText = "\(range.first) to \(range.last), \(Format.days(range.count)), days in \(input.run.timezone)"
            title = "authstats: \(range.first) to \(range.last)"
        } else {
            hasRange = false
            rangeText = "No events were read: there is no report range."
            title = "authstats: no events"
        }
        if let project = input.project {
            title = "authstats: project \(Format.isolated(project)): " + title.dropFirst("authstats: ".count)
            heading = "Authentication analytics: project \(project)"
        } else {
            heading = "Authentication analytics"
        }

        let headline = Headline(reports.daily)
        let previous = input.previous.flatMap { $0.range == nil ? nil : Headline($0.daily) }
        figures = hasRange ? headline.figures(previous: previous) : []
        if let range = reports.range {
            let before = HTMLReport.previousRange(of: range)
            comparison = previous != nil
                ? "Changes are against the \(Format.days(range.count)) before, \(before.first) to \(before.last)."
                : "No change is shown: the data does not reach back to \(before.first), the start of the \(Format.days(range.count)) before the range (a report from --from on, over data that starts earlier, has one)."
        } else {
            comparison = ""
        }

        func series(_ name: String, _ color: String, _ key: KeyPath<DailyRow, Int>) -> DayChart.Series {
            DayChart.Series(name: name, color: color, values: daily.map { $0[keyPath: key] })
        }
        activity = days.isEmpty ? [] : [
            DayChart(
                id: "active-users", title: "Active users", unit: "users",
                note: "Users with an activity event on the day, in the 7 days and in the 30 days up to it.",
                style: .lines, days: days,
                series: [
                    series("Daily", "c-blue", \.activeUsers), series("7-day", "c-teal", \.wau7d),
                    series("30-day", "c-purple", \.mau30d),
                ]
            ).view,
            DayChart(
                id: "new-users", title: "New users", unit: "users",
                note: "Users whose first activity in all the data read is on the day.", style: .stackedBars, days: days,
                series: [series("New users", "c-green", \.newUsers)]
            ).view,
        ]
        auth = days.isEmpty ? [] : [
            DayChart(
                id: "auth", title: "Sign-ups, sign-ins and failures", unit: "events", note: "Events per day, as Pinpoint's charts counted them.",
                style: .lines, days: days,
                series: [
                    series("Sign-ups", "c-green", \.signUps), series("Sign-ins", "c-blue", \.signIns),
                    series("Auth failures", "c-red", \.authFailures),
                ]
            ).view,
            DayChart(
                id: "failure-rate", title: "Failure rate", unit: "rate",
                note: "Auth failures ÷ (sign-ins + auth failures) on the day; 0% on a day with neither.", style: .lines,
                kind: .permille, days: days,
                series: [
                    DayChart.Series(
                        name: "Failure rate", color: "c-red",
                        values: daily.map { Format.permille($0.authFailures, $0.signIns + $0.authFailures) })
                ]
            ).view,
        ]
        sessions = days.isEmpty ? [] : [
            DayChart(
                id: "sessions", title: "Sessions", unit: "sessions", note: "Sessions that start on the day.",
                style: .stackedBars, days: days, series: [series("Sessions", "c-teal", \.sessions)]
            ).view,
            DayChart(
                id: "session-duration", title: "Median session duration", unit: "duration",
                note: "The median length of the sessions that start on the day (0 without sessions).", style: .lines,
                kind: .duration, days: days,
                series: [
                    DayChart.Series(name: "Median", color: "c-purple", values: daily.map { Int($0.medianSessionSeconds) })
                ]
            ).view,
        ]
        breakdowns = drawn.map { BreakdownCharts.charts(reports.breakdown, range: $0, over: reports.range) } ?? []
        hasBreakdowns = !breakdowns.isEmpty
        retention = RetentionTable(reports.retention).rows
        var rows = HTMLBytes()
        for row in retention { row.write(to: &rows) }
        retentionRows = rows.string
        retentionColumns = RetentionTable.columns.map(ColumnName.init)
        hasRetention = !retention.isEmpty
        segments = (reports.segments.isEmpty && !reports.segmentsGiven) || reports.range == nil
            ? [] : [SegmentsSection(segments: reports.segments, daily: reports.segmentDaily, range: drawn!)]
        segmentColumns = SegmentsSection.columns.map(ColumnName.init)
        projects = input.projects.isEmpty || reports.range == nil ? [] : [ProjectsSection(projects: input.projects, range: drawn!)]
        projectColumns = ProjectsSection.columns.map(ColumnName.init)
        inputs = InputsSection(
            inputs: input.inputs, totals: input.totals, rejects: input.firstRejects, maxRejects: input.run.maxRejects,
            project: input.project != nil, stateTotals: input.run.stateTotals, shardRuns: input.run.shardRuns,
            rejectsKept: input.run.rejectsKept, cutAtBytes: input.run.rejectsCutByBytes ? input.run.maxRejectsBytes : nil,
            directory: input.run.directory)
        inputColumns = InputsSection.inputColumns.map(ColumnName.init)
        groupColumns = InputsSection.countColumns.map(ColumnName.init)

        var sections: [Section] = []
        if hasRange {
            sections += [
                Section(id: "overview", title: "Overview"), Section(id: "activity", title: "Active users"),
                Section(id: "auth", title: "Sign-ins"), Section(id: "sessions", title: "Sessions"),
            ]
            if hasBreakdowns { sections.append(Section(id: "breakdowns", title: "Breakdowns")) }
            if hasRetention { sections.append(Section(id: "retention", title: "Retention")) }
            if !segments.isEmpty { sections.append(Section(id: "segments", title: "Segments")) }
            if !projects.isEmpty { sections.append(Section(id: "projects", title: "Projects")) }
        }
        sections.append(Section(id: "inputs", title: "Inputs"))
        self.sections = sections
    }
}
