/// Writes a table as CSV per `docs/reports.md` "CSV": RFC 4180, `\n` line ends, a header row,
/// quoting only where needed, and a `'` before text that a spreadsheet would run as a formula.
///
/// The rules are written once, on bytes (`appendField`); the `String` forms wrap them.
/// (Building each line as a `String` had cost a night's report tables 28 M instructions.)
public enum CSVTableWriter {
    public static func write(_ table: ReportTable, to out: inout [UInt8]) {
        appendHeader(table.columns, to: &out)
        for row in table.rows { appendLine(row, to: &out) }
    }

    public static func write(_ table: ReportTable, to out: inout some TextOutputStream) {
        out.write(TableBytes.text { write(table, to: &$0) })
    }

    /// The header line, `\n` included.
    public static func header(_ columns: [String]) -> String { TableBytes.text { appendHeader(columns, to: &$0) } }

    /// One text field (`appendField`).
    public static func field(_ text: String) -> String { TableBytes.text { appendField(text, to: &$0) } }

    public static func appendHeader(_ columns: [String], to out: inout [UInt8]) {
        for (index, column) in columns.enumerated() {
            if index > 0 { out.append(0x2C) }
            appendField(column, to: &out)
        }
        out.append(0x0A)
    }

    public static func appendLine(_ row: [ReportTable.Cell], to out: inout [UInt8]) {
        for (index, cell) in row.enumerated() {
            if index > 0 { out.append(0x2C) }
            switch cell {
            case .text(let s): appendField(s, to: &out)
            case .integer(let n): TableBytes.appendInteger(n, to: &out)
            case .ratio(let r): out += r.description.utf8
            case .empty: break
            }
        }
        out.append(0x0A)
    }

    /// One text field: guarded against formula injection, then quoted if it must be (when
    /// it holds a comma, quote, CR or LF byte: also one followed by a combining mark, which
    /// a check by `Character` would have let through unquoted).
    public static func appendField(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            let guarded = bytes.first.map { $0 == 0x3D || $0 == 0x2B || $0 == 0x2D || $0 == 0x40 || $0 == 0x09 || $0 == 0x0D } ?? false
            let quoted = bytes.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
            if quoted { out.append(0x22) }
            if guarded { out.append(0x27) }
            if quoted {
                for byte in bytes {
                    out.append(byte)
                    if byte == 0x22 { out.append(0x22) }
                }
                out.append(0x22)
            } else {
                out.append(contentsOf: bytes)
            }
        }
    }
}

/// What the table writers share: numbers written as bytes, and the `String` of what a byte
/// writer makes.
public enum TableBytes {
    /// `n` in decimal, as `String(n)` writes it.
    public static func appendInteger(_ n: Int, to out: inout [UInt8]) {
        if n < 0 { out.append(0x2D) }
        var magnitude = n.magnitude
        guard magnitude >= 10 else { return out.append(0x30 + UInt8(magnitude)) }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var at = 20
            while magnitude > 0 {
                at -= 1
                digits[at] = 0x30 + UInt8(magnitude % 10)
                magnitude /= 10
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[at..<20]))
        }
    }

    /// The text `body` writes as UTF-8 bytes (valid UTF-8 whenever the texts it copies are).
    public static func text(_ body: (inout [UInt8]) -> Void) -> String {
        var bytes: [UInt8] = []
        body(&bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
