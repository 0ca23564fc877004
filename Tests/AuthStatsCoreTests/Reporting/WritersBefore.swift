import Foundation

@testable import AuthStatsCore

/// The table writers as they were before they wrote bytes (`String` by `String`), kept to
/// check that the byte writers write the same tables (`WriterTests.sameAsBefore`).
enum WritersBefore {
    static func csvLine(_ row: [ReportTable.Cell]) -> String {
        var out = ""
        for (index, cell) in row.enumerated() {
            if index > 0 { out += "," }
            switch cell {
            case .text(let s): out += csvField(s)
            case .integer(let n): out += String(n)
            case .ratio(let r): out += r.description
            case .empty: break
            }
        }
        return out + "\n"
    }

    static func csvField(_ text: String) -> String {
        var value = text
        if let first = value.utf8.first, first == 0x3D || first == 0x2B || first == 0x2D || first == 0x40 || first == 0x09 || first == 0x0D {
            value = "'" + value
        }
        if value.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) {
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return value
    }

    static func jsonRow(_ columns: [String], _ cells: [ReportTable.Cell], first: Bool) -> String {
        var out = first ? "\n    {" : ",\n    {"
        for (position, (column, cell)) in zip(columns, cells).enumerated() {
            if position > 0 { out += ", " }
            out += jsonQuote(column) + ": "
            switch cell {
            case .text(let s): out += jsonQuote(s)
            case .integer(let n): out += String(n)
            case .ratio(let r): out += r.description
            case .empty: out += "null"
            }
        }
        return out + "}"
    }

    static func jsonQuote(_ text: String) -> String {
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

    /// One `inputs` entry of summary.json, as the writer built it before it wrote bytes.
    static func summaryInput(_ input: InputReport, first: Bool) -> String {
        let fields: [String] = [
            "\"path\": \(JSONText.quote(input.path))",
            "\"member\": \(JSONText.quote(input.member))",
            "\"format\": \(JSONText.quote(input.format))",
            "\"compression\": \(JSONText.quote(input.compression))",
            "\"records\": \(input.records)",
            "\"events\": \(input.events)",
            "\"duplicates\": \(input.duplicates)",
            "\"skipped\": \(input.skipped)",
            "\"rejected\": \(input.rejected)",
            "\"status\": \(JSONText.quote(input.status.rawValue))",
            "\"error\": \(JSONText.quote(input.error))",
            "\"container\": \(JSONText.quote(input.container))",
            "\"skip_reasons\": {" + input.skipReasons.sorted { $0.key < $1.key }
                .map { "\(JSONText.quote($0.key)): \($0.value)" }.joined(separator: ", ") + "}",
        ]
        return (first ? "\n    " : ",\n    ") + "{" + fields.joined(separator: ", ") + "}"
    }
}
