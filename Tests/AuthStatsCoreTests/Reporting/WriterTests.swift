import Testing

@testable import AuthStatsCore

@Suite("CSV and JSON writers (reports.md formats)")
struct WriterTests {
    @Test("CSV fields: quoted only when needed, formulas defused", arguments: [
        ("plain", "plain"), ("a,b", "\"a,b\""), ("say \"hi\"", "\"say \"\"hi\"\"\""), ("two\nlines", "\"two\nlines\""),
        ("=SUM(A1)", "'=SUM(A1)"), ("+1", "'+1"), ("-1", "'-1"), ("@cmd", "'@cmd"), ("\tx", "'\tx"), ("\rx", "\"'\rx\""),
        ("=a,b", "\"'=a,b\""), ("(unknown)", "(unknown)"), ("", ""),
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
    }
}

import Foundation
