import Testing

@testable import AuthStatsCore

@Suite("CSV and JSON writers (docs/reports.md \"CSV\" and \"JSON\")")
struct WriterTests {
    @Test("CSV fields: quoted only when needed, formulas defused", arguments: [
        ("plain", "plain"), ("a,b", "\"a,b\""), ("say \"hi\"", "\"say \"\"hi\"\"\""), ("two\nlines", "\"two\nlines\""),
        ("=SUM(A1)", "'=SUM(A1)"), ("+1", "'+1"), ("-1", "'-1"), ("@cmd", "'@cmd"), ("\tx", "'\tx"), ("\rx", "\"'\rx\""),
        ("=a,b", "\"'=a,b\""), ("(unknown)", "(unknown)"), ("", ""),
        // A comma with a combining mark is one Character, but still a comma byte: quoted.
        ("a,\u{301}b", "\"a,\u{301}b\""), ("crlf\r\nx", "\"crlf\r\nx\""), ("é,ü", "\"é,ü\""), ("日本", "日本"),
    ])
    func csvField(text: String, expected: String) {
        #expect(CSVTableWriter.field(text) == expected)
    }

    let table = ReportTable(
        name: "demo", columns: ["date", "value", "n", "ratio", "gap"],
        rows: [[.text("2026-01-01"), .text("a,\"b\""), .integer(3), .ratio(Ratio(1, 4)), .empty]])

    @Test("CSV table")
    func csv() {
        var out = ""
        CSVTableWriter.write(table, to: &out)
        #expect(out == "date,value,n,ratio,gap\n2026-01-01,\"a,\"\"b\"\"\",3,0.2500,\n")
    }

    @Test("JSON table: schema, zone, rows with numbers as numbers and empty as null")
    func json() throws {
        var out = ""
        JSONTableWriter.write(table, timezone: "Asia/Kolkata", to: &out)
        #expect(out == """
            {
              "schema": "authstats.demo/1",
              "timezone": "Asia/Kolkata",
              "rows": [
                {"date": "2026-01-01", "value": "a,\\"b\\"", "n": 3, "ratio": 0.2500, "gap": null}
              ]
            }

            """)
        let parsed = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any]
        #expect((parsed?["rows"] as? [[String: Any]])?.first?["n"] as? Int == 3)
    }

    @Test("JSON strings escape quotes, backslashes and control characters")
    func quote() {
        #expect(JSONText.quote("a\"b\\c\n\u{01}é") == "\"a\\\"b\\\\c\\n\\u0001é\"")
        // Nothing to escape (the fast path), and each escape alone.
        #expect(JSONText.quote("plain é 日本 😀") == "\"plain é 日本 😀\"")
        #expect(JSONText.quote("") == "\"\"")
        #expect(JSONText.quote("\u{7F}") == "\"\\u007f\"")
        #expect(JSONText.quote("\t\r") == "\"\\t\\r\"")
    }

    @Test("integers written as bytes read as String(n) writes them", arguments: [
        0, 7, 9, 10, 99, 100, 12_345, -1, -10, -987_654_321, Int.max, Int.min,
    ])
    func integers(n: Int) {
        #expect(TableBytes.text { TableBytes.appendInteger(n, to: &$0) } == String(n))
    }

    @Test("the byte writers and their String forms write the same table")
    func bytesAndText() {
        var bytes: [UInt8] = []
        CSVTableWriter.write(table, to: &bytes)
        JSONTableWriter.write(table, timezone: "UTC", to: &bytes)
        var text = ""
        CSVTableWriter.write(table, to: &text)
        JSONTableWriter.write(table, timezone: "UTC", to: &text)
        #expect(String(decoding: bytes, as: UTF8.self) == text)
        #expect(JSONTableWriter.row(table.columns, table.rows[0], first: true) == "\n    " + text.split(separator: "\n")[6].drop { $0 == " " })
    }

    @Test("ISO times to the millisecond, before and after 1970")
    func isoTimes() {
        #expect(Timestamps.isoString(millis: 0) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamps.isoString(millis: 1_772_375_228_276) == "2026-03-01T14:27:08.276Z")
        #expect(Timestamps.isoString(millis: -1) == "1969-12-31T23:59:59.999Z")
        #expect(Timestamps.isoString(millis: 86_399_999) == "1970-01-01T23:59:59.999Z")
    }
}

import Foundation
