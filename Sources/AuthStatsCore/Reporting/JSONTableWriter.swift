/// Writes a table as `{"schema": "authstats.<table>/1", "timezone": …, "rows": […]}`, one row
/// object per line, keys in column order, numbers as JSON numbers.
public enum JSONTableWriter {
    public static func write(_ table: ReportTable, timezone: String, to out: inout some TextOutputStream) {
        out.write(opening(table.name, schemaVersion: table.schemaVersion, timezone: timezone))
        let keys = keys(table.columns)
        for (index, cells) in table.rows.enumerated() { out.write(row(keys: keys, cells, first: index == 0)) }
        out.write(closing(empty: table.rows.isEmpty))
    }

    /// Everything before the first row.
    public static func opening(_ name: String, schemaVersion: Int = 1, timezone: String) -> String {
        "{\n  \"schema\": \(JSONText.quote("authstats.\(name)/\(schemaVersion)")),\n"
            + "  \"timezone\": \(JSONText.quote(timezone)),\n  \"rows\": ["
    }

    /// The `"column": ` that starts each member of a row object (made once per table).
    public static func keys(_ columns: [String]) -> [String] { columns.map { JSONText.quote($0) + ": " } }

    /// One row object, with the separator before it.
    public static func row(_ columns: [String], _ cells: [ReportTable.Cell], first: Bool) -> String {
        row(keys: keys(columns), cells, first: first)
    }

    /// One row object, its members started by `keys` (`keys(columns)`).
    public static func row(keys: [String], _ cells: [ReportTable.Cell], first: Bool) -> String {
        var out = first ? "\n    {" : ",\n    {"
        for (position, (key, cell)) in zip(keys, cells).enumerated() {
            if position > 0 { out += ", " }
            out += key
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
        // Most texts need no escape: then the text itself, quoted (checked by bytes: every
        // character escaped below is one ASCII byte, and no byte of a longer one is).
        if !text.utf8.contains(where: { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 || $0 == 0x7F }) { return "\"" + text + "\"" }
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
