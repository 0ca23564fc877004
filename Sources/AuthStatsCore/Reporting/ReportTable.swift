/// One report table, independent of its file format: named columns and typed cells.
///
/// `CSVTableWriter` and `JSONTableWriter` render the same table, so `daily.csv` and
/// `daily.json` can never disagree.
public struct ReportTable: Sendable, Equatable {
    public enum Cell: Sendable, Equatable {
        case text(String)
        case integer(Int)
        /// Printed with exactly four decimals (`0.2500`).
        case ratio(Ratio)
        /// An empty CSV field; `null` in JSON.
        case empty
    }

    /// File name without extension (`daily`), also the schema name (`authstats.daily/1`).
    public var name: String
    public var schemaVersion: Int
    public var columns: [String]
    public var rows: [[Cell]]

    public init(name: String, schemaVersion: Int = 1, columns: [String], rows: [[Cell]] = []) {
        self.name = name
        self.schemaVersion = schemaVersion
        self.columns = columns
        self.rows = rows
    }
}

extension Reports {
    /// The tables of `docs/reports.md` "Files", in the order they are written.
    public var tables: [ReportTable] {
        [dailyTable, monthlyTable, breakdownTable, retentionTable] + (segments.isEmpty && !segmentsGiven ? [] : [segmentsTable, segmentDailyTable])
    }

    public var dailyTable: ReportTable {
        ReportTable(
            name: "daily",
            columns: [
                "date", "sign_ups", "sign_ins", "auth_failures", "active_users", "new_users", "wau_7d", "mau_30d",
                "stickiness", "events", "sessions", "session_users", "median_session_seconds",
            ],
            rows: daily.map { r in
                [
                    .text(r.date.description), .integer(r.signUps), .integer(r.signIns), .integer(r.authFailures),
                    .integer(r.activeUsers), .integer(r.newUsers), .integer(r.wau7d), .integer(r.mau30d),
                    .ratio(r.stickiness), .integer(r.events), .integer(r.sessions), .integer(r.sessionUsers),
                    .integer(Int(r.medianSessionSeconds)),
                ]
            })
    }

    public var retentionTable: ReportTable {
        ReportTable(
            name: "retention",
            columns: [
                "cohort_date", "cohort_size", "retained_d1", "retained_d7", "retained_d30", "rate_d1", "rate_d7",
                "rate_d30", "returned_7d",
            ],
            rows: retention.map { r in
                func count(_ v: Int?) -> ReportTable.Cell { v.map { .integer($0) } ?? .empty }
                func rate(_ v: Int?) -> ReportTable.Cell { v.map { .ratio(Ratio($0, r.size)) } ?? .empty }
                return [
                    .text(r.cohort.description), .integer(r.size), count(r.retainedD1), count(r.retainedD7),
                    count(r.retainedD30), rate(r.retainedD1), rate(r.retainedD7), rate(r.retainedD30), count(r.returned7d),
                ]
            })
    }

    public var monthlyTable: ReportTable {
        ReportTable(
            name: "monthly",
            columns: ["month", "days", "sign_ups", "sign_ins", "auth_failures", "active_users", "new_users", "events"],
            rows: monthly.map { r in
                [
                    .text(r.month.description), .integer(r.days), .integer(r.signUps), .integer(r.signIns),
                    .integer(r.authFailures), .integer(r.activeUsers), .integer(r.newUsers), .integer(r.events),
                ]
            })
    }

    public var breakdownTable: ReportTable {
        var (lastDay, dayText): (Day?, String) = (nil, "")
        return ReportTable(
            name: "breakdown",
            columns: ["date", "dimension", "value", "sign_ups", "sign_ins", "auth_failures", "active_users", "events"],
            rows: breakdown.map { r in
                // The day's text made once for its rows (they come by date).
                if r.date != lastDay { (lastDay, dayText) = (r.date, r.date.description) }
                return [
                    .text(dayText), .text(r.dimensionName), .text(r.value), .integer(r.signUps),
                    .integer(r.signIns), .integer(r.authFailures), .integer(r.activeUsers), .integer(r.events),
                ]
            })
    }
}
