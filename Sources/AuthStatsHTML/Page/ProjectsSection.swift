import Foundation
import AuthStatsCore

/// The Pinpoint projects (`--by-project`): each project's figures over the range, a small
/// chart of its daily active users, and its own page (`projects/<id>/report.html`).
struct ProjectsSection: Equatable {
    struct Row: Equatable {
        var name: String
        var cells: [String]
        /// The page's path as shown, and as a link: the folder's name is a safe file name, but
        /// it may hold `%` (`SegmentFileName`), which a browser would read as an escape.
        var page: String
        var href: String
    }

    /// `path` as a relative URL: every byte but unreserved ones (RFC 3986) and `/` percent-encoded.
    static func href(_ path: String) -> String {
        path.addingPercentEncoding(withAllowedCharacters: hrefKept) ?? path
    }

    private static let hrefKept = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/")

    static let columns = ["Sign-ups", "Sign-ins", "Failures", "Daily active (avg)", "30-day active (last day)", "Sessions"]

    var rows: [Row]
    var charts: [ChartView]

    init(projects: [HTMLReport.Project], range: DayRange) {
        let days = Array(range.days)
        rows = projects.map { project in
            let daily = project.reports.daily
            let sum = { (key: KeyPath<DailyRow, Int>) in daily.reduce(0) { $0 + $1[keyPath: key] } }
            return Row(
                name: project.id,
                cells: [
                    Format.count(sum(\.signUps)), Format.count(sum(\.signIns)), Format.count(sum(\.authFailures)),
                    Format.mean(sum(\.activeUsers), daily.count), Format.count(daily.last?.mau30d ?? 0),
                    Format.count(sum(\.sessions)),
                ],
                page: project.page, href: Self.href(project.page))
        }
        charts = projects.enumerated().map { index, project in
            var values = [Int](repeating: 0, count: days.count)
            for row in project.reports.daily where range.contains(row.date) { values[range.first.distance(to: row.date)] = row.activeUsers }
            return DayChart(
                id: "project-\(index)", title: BreakdownCharts.shown(project.id, limit: BreakdownCharts.titleLimit), unit: "users", style: .lines, frame: .small, days: days,
                series: [DayChart.Series(name: "Active users", color: "c-blue", values: values)]
            ).view
        }
    }
}
