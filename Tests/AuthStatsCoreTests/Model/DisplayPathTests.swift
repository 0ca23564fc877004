import Testing

@testable import AuthStatsCore

/// Names as messages print them: plain names as they are (the fast path), everything else
/// escaped the same from bytes and from a `String`.
@Suite("Display paths: plain names unchanged, controls, backslashes and bad UTF-8 escaped")
struct DisplayPathTests {
    @Test("each form, from bytes (contiguous or not) and from a String")
    func forms() {
        let cases: [([UInt8], String)] = [
            (Array("logs/2026/01/01/a b-c_d.json.gz".utf8), "logs/2026/01/01/a b-c_d.json.gz"),
            (Array("a\\b".utf8), "a\\\\b"),
            (Array("a\nb\tc\rd".utf8), "a\\nb\\tc\\rd"),
            ([0x61, 0x01, 0x7F], "a\\x01\\x7f"),
            ([0x61, 0xFF, 0x62], "a\\xffb"),
            (Array("café/日本.gz".utf8), "café/日本.gz"),
            (Array("x\u{202E}y".utf8), "x\\u{202e}y"),
            ([], ""),
        ]
        for (bytes, shown) in cases {
            #expect(DisplayPath.text(bytes) == shown)
            #expect(DisplayPath.text(bytes[...].lazy.map { $0 }) == shown)  // not contiguous
            if let text = String(validating: bytes, as: UTF8.self) { #expect(DisplayPath.text(text) == shown) }
        }
    }
}
