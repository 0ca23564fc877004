import AuthStatsCore

/// The retention cohort table as a heat map: one row per cohort day, a cell per target
/// (day 1, day 7, day 30, back within 7 days), shaded by the share of the cohort.
struct RetentionTable: Equatable {
    struct Row: Equatable {
        var cohort: String
        var size: String
        var cells: [Cell]

        /// The row's `<tr>` and a newline, as `PageView.retentionRows` holds it (`HTMLBytes`).
        func write(to out: inout HTMLBytes) {
            out.put("<tr><th scope=\"row\">")
            out.text(cohort)
            out.put("</th><td class=\"num\">")
            out.text(size)
            out.put("</td>")
            for cell in cells {
                out.put("<td")
                out.attribute("class", cell.level)
                out.attribute("title", cell.tip)
                out.put(">")
                out.text(cell.text)
                out.put("</td>")
            }
            out.put("</tr>\n")
        }
    }

    struct Cell: Equatable {
        /// `40.0%`, or `·` when the target lies after the data.
        var text: String
        /// `h0` … `h9` by tenths of the rate (`h9` from 90%), `na` when not known yet.
        var level: String
        /// `4 of 10 active on 2026-10-29 (day 1)`.
        var tip: String
    }

    static let columns = ["Day 1", "Day 7", "Day 30", "Within 7 days"]

    var rows: [Row]

    init(_ retention: [RetentionRow]) {
        rows = retention.map { row in
            func cell(_ count: Int?, _ offset: Int, _ what: String) -> Cell {
                guard let count else {
                    return Cell(text: "·", level: "na", tip: "\(what): not known yet, the data ends before \(row.cohort.advanced(by: offset))")
                }
                let level = row.size > 0 ? min(9, count * 10 / row.size) : 0
                return Cell(
                    text: Format.percent(count, row.size), level: "h\(level)",
                    tip: "\(Format.count(count)) of \(Format.count(row.size)) \(what)")
            }
            let d1 = row.cohort.advanced(by: 1)
            let d7 = row.cohort.advanced(by: 7)
            let d30 = row.cohort.advanced(by: 30)
            return Row(
                cohort: row.cohort.description, size: Format.count(row.size),
                cells: [
                    cell(row.retainedD1, 1, "active on \(d1) (day 1)"),
                    cell(row.retainedD7, 7, "active on \(d7) (day 7)"),
                    cell(row.retainedD30, 30, "active on \(d30) (day 30)"),
                    cell(row.returned7d, 7, "back between \(d1) and \(d7)"),
                ])
        }
    }
}
