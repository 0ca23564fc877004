import Testing

@testable import AuthStatsCore

/// An input's entry as a nightly state keeps it until its reports are written
/// (`docs/state.md` "A run stopped between its commit and its reports").
@Suite("Input entries kept in a state: every field back as it was, anything else refused")
struct InputReportRecordTests {
    static var full: InputReport {
        var input = InputReport(path: "/data/exports/caf\u{E9} 2026/a,b\"c.json.gz", member: "inner/\u{1F600}.json")
        input.position = (7 << 24) | 3
        input.format = "pinpoint"
        input.compression = "gzip"
        input.container = "tar+gzip"
        (input.records, input.events, input.duplicates, input.skipped, input.rejected) = (1_000_000, 999_000, 12, 5, 3)
        input.status = .partial
        input.error = "unexpected end of data\twith a tab, a newline\nand a NUL \u{0}"
        input.skipReasons = ["not an authentication event": 4, "CloudTrail: another service": 1]
        input.oldestEventMillis = -62_135_596_800_000
        input.newestEventMillis = 1_796_000_000_000
        return input
    }

    @Test("every field round-trips, optional texts present and absent, instants at their extremes")
    func roundTrip() {
        var plain = InputReport(path: "a.json")
        plain.oldestEventMillis = .max
        plain.newestEventMillis = .min
        for input in [Self.full, plain] {
            let record = input.record
            let back = record.withUnsafeBytes { InputReport(record: $0) }
            #expect(back == input)
            #expect(back?.oldestEventMillis == input.oldestEventMillis && back?.newestEventMillis == input.newestEventMillis)
        }
    }

    @Test("bytes cut short, with bytes left over, of another layout, or with text that is not UTF-8 are refused")
    func refused() {
        let record = Self.full.record
        for count in 0..<record.count {
            #expect(Array(record.prefix(count)).withUnsafeBytes { InputReport(record: $0) } == nil, "cut at \(count)")
        }
        #expect((record + [0]).withUnsafeBytes { InputReport(record: $0) } == nil)
        var later = record
        later[0] = 2
        #expect(later.withUnsafeBytes { InputReport(record: $0) } == nil)
        // The path's first byte made an invalid UTF-8 lead byte.
        var invalid = InputReport(path: "x.json").record
        invalid[2] = 0xFF
        #expect(invalid.withUnsafeBytes { InputReport(record: $0) } == nil)
    }
}
