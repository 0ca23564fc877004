/// Writes a table as `{"schema": "authstats.<table>/1", "timezone": …, "rows": […]}`, one row
/// object per line, keys in column order, numbers as JSON numbers.
///
/// Written as bytes (the `String` forms wrap the byte writers): each row built as a `String`
/// had cost a night's report tables 48 M instructions.
public enum JSONTableWriter {
    public static func write(_ table: ReportTable, timezone: String, to out: inout [UInt8]) {
        out += opening(table.name, schemaVersion: table.schemaVersion, timezone: timezone).utf8
        let keys = keyBytes(table.columns)
        for (index, cells) in table.rows.enumerated() { appendRow(keys: keys, cells, first: index == 0, to: &out) }
        out += closing(empty: table.rows.isEmpty).utf8
    }

    public static func write(_ table: ReportTable, timezone: String, to out: inout some TextOutputStream) {
        out.write(TableBytes.text { write(table, timezone: timezone, to: &$0) })
    }

    /// Everything before the first row.
    public static func opening(_ name: String, schemaVersion: Int = 1, timezone: String) -> String {
        "{\n  \"schema\": \(JSONText.quote("authstats.\(name)/\(schemaVersion)")),\n"
            + "  \"timezone\": \(JSONText.quote(timezone)),\n  \"rows\": ["
    }

    /// The `"column": ` that starts each member of a row object (made once per table).
    public static func keyBytes(_ columns: [String]) -> [[UInt8]] { columns.map { Array((JSONText.quote($0) + ": ").utf8) } }

    /// One row object, with the separator before it, its members started by `keys`
    /// (`keyBytes(columns)`).
    public static func appendRow(keys: [[UInt8]], _ cells: [ReportTable.Cell], first: Bool, to out: inout [UInt8]) {
        out += first ? "\n    {".utf8 : ",\n    {".utf8
        appendMembers(keys: keys, cells, to: &out)
        out.append(0x7D)
    }

    /// A row object's members, `key` then value, separated by commas, without the braces.
    @inline(__always)
    public static func appendMembers(keys: [[UInt8]], _ cells: [ReportTable.Cell], to out: inout [UInt8]) {
        for (position, (key, cell)) in zip(keys, cells).enumerated() {
            if position > 0 { out += ", ".utf8 }
            out += key
            switch cell {
            case .text(let s): JSONText.appendQuoted(s, to: &out)
            case .integer(let n): TableBytes.appendInteger(n, to: &out)
            case .ratio(let r): out += r.description.utf8
            case .empty: out += "null".utf8
            }
        }
    }

    /// Everything after the last row.
    public static func closing(empty: Bool) -> String { empty ? "]\n}\n" : "\n  ]\n}\n" }
}

/// JSON string literals, written by hand so output is byte-for-byte stable.
public enum JSONText {
    public static func quote(_ text: String) -> String { TableBytes.text { appendQuoted(text, to: &$0) } }

    /// `null` for nil, else the quoted string.
    public static func quote(_ text: String?) -> String { text.map { quote($0) } ?? "null" }

    /// The quoted string: `"` and `\` escaped, `\n`, `\r`, `\t` as such, any other control
    /// character (and DEL) as `\u00XX`; every other byte as it is (each escaped character is
    /// one ASCII byte, and no byte of a longer one is).
    public static func appendQuoted(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            out.append(0x22)
            // Most texts need no escape: copied whole.
            guard bytes.contains(where: { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 || $0 == 0x7F }) else {
                out.append(contentsOf: bytes)
                return out.append(0x22)
            }
            for byte in bytes {
                switch byte {
                case 0x22: out += "\\\"".utf8
                case 0x5C: out += "\\\\".utf8
                case 0x0A: out += "\\n".utf8
                case 0x0D: out += "\\r".utf8
                case 0x09: out += "\\t".utf8
                case ..<0x20, 0x7F:
                    func digit(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x61 + v - 10 }
                    out += "\\u00".utf8
                    out.append(digit(byte >> 4))
                    out.append(digit(byte & 0xF))
                default: out.append(byte)
                }
            }
            out.append(0x22)
        }
    }
}
