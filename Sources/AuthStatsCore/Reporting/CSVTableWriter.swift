/// Writes a table as CSV per `docs/reports.md` "CSV": RFC 4180, `\n` line ends, a header row,
/// quoting only where needed, and a `'` before text that a spreadsheet would run as a formula.
public enum CSVTableWriter {
    public static func write(_ table: ReportTable, to out: inout some TextOutputStream) {
        out.write(header(table.columns))
        for row in table.rows { out.write(line(row)) }
    }

    /// The header line, `\n` included.
    public static func header(_ columns: [String]) -> String {
        columns.map(field).joined(separator: ",") + "\n"
    }

    /// One row's line, `\n` included.
    public static func line(_ row: [ReportTable.Cell]) -> String {
        var out = ""
        for (index, cell) in row.enumerated() {
            if index > 0 { out += "," }
            switch cell {
            case .text(let s): out += field(s)
            case .integer(let n): out += String(n)
            case .ratio(let r): out += r.description
            case .empty: break
            }
        }
        return out + "\n"
    }

    /// One text field: guarded against formula injection, then quoted if it must be (when
    /// it holds a comma, quote, CR or LF byte: also one followed by a combining mark, which
    /// a check by `Character` would have let through unquoted).
    public static func field(_ text: String) -> String {
        var value = text
        if let first = value.utf8.first, first == 0x3D || first == 0x2B || first == 0x2D || first == 0x40 || first == 0x09 || first == 0x0D {
            value = "'" + value
        }
        if value.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) {
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return value
    }
}
