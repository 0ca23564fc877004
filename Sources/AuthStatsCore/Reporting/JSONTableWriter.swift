/// Writes a table as `{"schema": "authstats.<table>/1", "timezone": …, "rows": […]}`, one row
/// object per line, keys in column order, numbers as JSON numbers.
public enum JSONTableWriter {
    public static func write(_ table: ReportTable, timezone: String, to out: inout some TextOutputStream) {
        out.write(opening(table.name, schemaVersion: table.schemaVersion, timezone: timezone))
        for (index, cells) in table.rows.enumerated() { out.write(row(table.columns, cells, first: index == 0)) }
        out.write(closing(empty: table.rows.isEmpty))
    }

    /// Everything before the first row.
    public static func opening(_ name: String, schemaVersion: Int = 1, timezone: String) -> String {
        "{\n  \"schema\": \(JSONText.quote("authstats.\(name)/\(schemaVersion)")),\n"
            + "  \"timezone\": \(JSONText.quote(timezone)),\n  \"rows\": ["
    }

    /// One row object, with the separator before it.
    public static func row(_ columns: [String], _ cells: [ReportTable.Cell], first: Bool) -> String {
        var out = first ? "\n    {" : ",\n    {"
        for (position, (column, cell)) in zip(columns, cells).enumerated() {
            if position > 0 { out += ", " }
            out += JSONText.quote(column) + ": "
            switch cell {
            case .text(let s): out += JSONText.quote(s)
            case .integer(let n): out += String(n)
            case .ratio(let r): out += r.description
            case .empty: out += "null"
            }
        }
        return out + "}"
    }

    /// Everything after the last row.
    public static func closing(empty: Bool) -> String { empty ? "]\n}\n" : "\n  ]\n}\n" }
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
