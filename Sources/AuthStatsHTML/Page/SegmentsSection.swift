import AuthStatsCore

/// The segments: their `segments.csv` row, and a small chart of each one's active users per
/// day (`segment_daily.csv`).
struct SegmentsSection: Equatable {
    struct Row: Equatable {
        var name: String
        var cells: [String]
        var file: String
    }

    /// Charts drawn at most; the rest are in the table and in `segment_daily.csv`.
    static let chartLimit = 30

    static let columns = [
        "Users", "Active last day", "7-day active", "30-day active", "Sign-ups", "Sign-ins", "Failures", "Sessions",
        "Endpoints",
    ]

    var rows: [Row]
    var charts: [ChartView]
    var note: String
    var hasNote: Bool

    init(segments: [SegmentRow], daily: [SegmentDailyRow], range: DayRange) {
        rows = segments.map { s in
            Row(
                name: s.segment,
                cells: [
                    s.users, s.activeUsersLastDay, s.wau7dLastDay, s.mau30dLastDay, s.signUps, s.signIns, s.authFailures,
                    s.sessions, s.endpoints,
                ].map(Format.count),
                file: ReportFilesNames.segmentFolder + "/" + s.file)
        }
        let days = Array(range.days)
        // Segment names are unique as exact text (a second definition of the same bytes is
        // refused; two spellings of "Café" are two segments), so rows map to charts by name
        // compared as bytes (`ExactText`); rows for days outside the range (none are written)
        // are ignored.
        var active: [ExactText: [Int]] = [:]
        for row in daily where range.contains(row.date) {
            active[ExactText(row.segment), default: [Int](repeating: 0, count: days.count)][range.first.distance(to: row.date)] = row.activeUsers
        }
        charts = segments.prefix(Self.chartLimit).enumerated().map { index, segment in
            DayChart(
                id: "segment-\(index)", title: BreakdownCharts.shown(segment.segment, limit: BreakdownCharts.titleLimit), unit: "users", style: .lines, frame: .small, days: days,
                series: [
                    DayChart.Series(
                        name: "Active users", color: "c-blue",
                        values: active[ExactText(segment.segment)] ?? [Int](repeating: 0, count: days.count))
                ]
            ).view
        }
        note = segments.isEmpty
            ? "The --segments files hold no segment definition (a project whose segments were all deleted?)."
            : segments.count > Self.chartLimit
            ? "Charts of the first \(Self.chartLimit) segments; all of them are in segment_daily.csv." : ""
        hasNote = !note.isEmpty
    }
}
