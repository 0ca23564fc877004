/// Writes a table as `{"schema": "authstats.<table>/1", "timezone": …, "rows": […]}`, one row
/// object per line, keys in column order, numbers as JSON numbers.
public enum JSONTableWriter {
    public static func write(_ table: ReportTable, timezone: String, to out: inout some TextOutputStream) {
        out.write("{\n  \"schema\": \(JSONText.quote("authstats.\(table.name)/\(table.schemaVersion)")),\n")
        out.write("  \"timezone\": \(JSONText.quote(timezone)),\n  \"rows\": [")
        for (index, row) in table.rows.enumerated() {
            out.write(index == 0 ? "\n    {" : ",\n    {")
            for (position, (column, cell)) in zip(table.columns, row).enumerated() {
                if position > 0 { out.write(", ") }
                out.write(JSONText.quote(column))
                out.write(": ")
                switch cell {
                case .text(let s): out.write(JSONText.quote(s))
                case .integer(let n): out.write(String(n))
                case .ratio(let r): out.write(r.description)
                case .empty: out.write("null")
                }
            }
            out.write("}")
        }
        out.write(table.rows.isEmpty ? "]\n}\n" : "\n  ]\n}\n")
    }
}

/// JSON string literals, written by hand so output is byte-for-byte stable.
public enum JSONText {
    public static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// `null` for nil, else the quoted string.
    public static func quote(_ text: String?) -> String { text.map { quote($0) } ?? "null" }
}
