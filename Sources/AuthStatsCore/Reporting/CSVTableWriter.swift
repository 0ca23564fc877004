/// Writes a table as CSV per `reports.md`: RFC 4180, `\n` line ends, a header row, quoting
/// only where needed, and a `'` before text that a spreadsheet would run as a formula.
public enum CSVTableWriter {
    public static func write(_ table: ReportTable, to out: inout some TextOutputStream) {
        out.write(table.columns.map(field).joined(separator: ","))
        out.write("\n")
        for row in table.rows {
            var first = true
            for cell in row {
                if !first { out.write(",") }
                first = false
                switch cell {
                case .text(let s): out.write(field(s))
                case .integer(let n): out.write(String(n))
                case .ratio(let r): out.write(r.description)
                case .empty: break
                }
            }
            out.write("\n")
        }
    }

    /// One text field: guarded against formula injection, then quoted if it must be.
    public static func field(_ text: String) -> String {
        var value = text
        if let first = value.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) {
            value = "'" + value
        }
        if value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return value
    }
}
