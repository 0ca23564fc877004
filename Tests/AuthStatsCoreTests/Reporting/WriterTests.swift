import AuthStatsTestSupport
import Foundation
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
        // A quote with a combining mark after it is doubled too (its bytes are a quote; before
        // the writer worked on bytes, it was left single, and the field ended there).
        ("a\"\u{301}", "\"a\"\"\u{301}\""),
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

    /// All but one text: a quote followed by a combining mark, which the `String` writer left
    /// single (its replacement compared `Character`s: the field then ended early, and the rest
    /// of the line shifted), and the byte writer doubles (`csvField`).
    @Test("the byte writers write the tables the String writers wrote, whatever the text")
    func sameAsBefore() {
        var texts = [
            "", "plain", "=SUM(A1)", "+1", "-1", "@x", "\tx", "\rx", "a,b", "say \"hi\"", "crlf\r\nx", "two\nlines", "é,ü",
            "日本 😀", "back\\slash", "\u{7F}", "x\u{7F}y", "a,\u{301}b", "=a,\"b\"", "\u{600}<meta>", "\u{FEFF}bom",
        ]
        texts += (0..<0x20).map { "a" + String(UnicodeScalar(UInt8($0))) + "b" }
        let numbers = [0, 1, -1, 42, -987_654_321, Int.max, Int.min]
        let columns = ["date", "value", "n", "ratio", "gap"]
        for (i, text) in texts.enumerated() {
            let row: [ReportTable.Cell] = [
                .text(text), .text(text + text), .integer(numbers[i % numbers.count]), .ratio(Ratio(i, 7)), .empty,
            ]
            var csv: [UInt8] = []
            CSVTableWriter.appendLine(row, to: &csv)
            #expect(String(decoding: csv, as: UTF8.self) == WritersBefore.csvLine(row), "CSV of \(text.debugDescription)")
            var json: [UInt8] = []
            JSONTableWriter.appendRow(keys: JSONTableWriter.keyBytes(columns), row, first: i == 0, to: &json)
            #expect(
                String(decoding: json, as: UTF8.self) == WritersBefore.jsonRow(columns, row, first: i == 0),
                "JSON of \(text.debugDescription)")
        }
    }

    @Test("summary.json's inputs as bytes: what the String writer wrote, whatever the text and counts")
    func summaryInputsSameAsBefore() throws {
        var inputs: [InputReport] = []
        let texts = ["plain", "say \"hi\"", "two\nlines", "back\\slash", "日本 😀", "\u{7F}", "a\u{1}b", ""]
        for (i, text) in texts.enumerated() {
            var input = InputReport(path: "logs/\(text).gz", member: i % 2 == 0 ? nil : "member \(text)")
            input.format = i % 3 == 0 ? "pinpoint" : "mixed"
            input.compression = "gzip"
            input.container = i % 3 == 1 ? "tar+\(text)" : nil
            (input.records, input.events, input.duplicates, input.skipped, input.rejected) = (i * 1000, i * 900, i, -i, (1 << 50) + i)
            input.status = [.ok, .partial, .failed][i % 3]
            input.error = i % 4 == 3 ? "cut: \(text)" : nil
            input.skipReasons = i % 2 == 0 ? [:] : ["z reason": 1, text: i, "a \"quoted\"": -(1 << 40) - i]
            inputs.append(input)
        }
        let analysis = Analysis(configuration: Analysis.Configuration()!, rejects: RejectCollector())
        let reports = analysis.reports { _ in }
        var out = ""
        SummaryWriter.write(
            run: SummaryWriter.Run(version: "t", generatedAt: "-", timezone: "UTC"), reports: reports, accumulator: analysis.accumulator,
            inputs: inputs, to: &out)
        let written = try #require(out.range(of: "  \"inputs\": [").map { String(out[$0.upperBound...]) })
        let before = inputs.enumerated().map { WritersBefore.summaryInput($1, first: $0 == 0) }.joined() + "\n  ]\n}\n"
        #expect(written == before)
    }

    @Test("ISO times to the millisecond, before and after 1970")
    func isoTimes() {
        #expect(Timestamps.isoString(millis: 0) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamps.isoString(millis: 1_772_375_228_276) == "2026-03-01T14:27:08.276Z")
        #expect(Timestamps.isoString(millis: -1) == "1969-12-31T23:59:59.999Z")
        #expect(Timestamps.isoString(millis: 86_399_999) == "1970-01-01T23:59:59.999Z")
    }

    @Test("summary.json's generated_at: to the second, the text ISO8601DateFormatter wrote for it")
    func isoSeconds() {
        let second = 1_796_326_950.0  // 2026-12-03T19:42:30Z
        #expect(Timestamps.isoSecondsString(Date(timeIntervalSince1970: second)) == "2026-12-03T19:42:30Z")
        #expect(Timestamps.isoSecondsString(Date(timeIntervalSince1970: second + 0.9994)) == "2026-12-03T19:42:30Z")
        // Within the second's last half millisecond the formatter writes the next second.
        #expect(Timestamps.isoSecondsString(Date(timeIntervalSince1970: second + 0.9996)) == "2026-12-03T19:42:31Z")
        let formatter = ISO8601DateFormatter()
        for step in 0..<2000 {
            // From 1970 to 2100, at every fraction of a second.
            let date = Date(timeIntervalSince1970: Double(step) * 2_051_222.400_377)
            #expect(Timestamps.isoSecondsString(date) == formatter.string(from: date), "\(date.timeIntervalSince1970)")
        }
    }
}

import Foundation
