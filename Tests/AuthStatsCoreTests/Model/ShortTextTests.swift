import Testing

@testable import AuthStatsCore

@Suite("ShortText: ids kept in place")
struct ShortTextTests {
    /// Texts around the inline capacity (48 bytes), multi-byte UTF-8 included.
    static let texts = [
        "", "u", "9846ded7-fad6-4d2a-a566-412b7c28005b", String(repeating: "a", count: 47), String(repeating: "b", count: 48),
        String(repeating: "c", count: 49), String(repeating: "é", count: 24), String(repeating: "é", count: 25) + "x",
        "user-😀-\u{0}-\u{1}", String(repeating: "long id ", count: 40),
    ]

    @Test("round-trips every text, inline or not, and hashes and fingerprints like its String")
    func roundTrip() {
        for text in Self.texts {
            let short = ShortText(text)
            #expect(short.string == text)
            #expect(short.isEmpty == text.isEmpty)
            #expect(short.withUTF8 { Array($0) } == Array(text.utf8))
            #expect(short == ShortText(text))
            var copy = text
            let fromBytes = copy.withUTF8 { ShortText(utf8: UnsafeRawBufferPointer($0)) }
            #expect(fromBytes == short && fromBytes.string == text)
            var a = Fingerprint.Builder()
            a.add(short)
            var b = Fingerprint.Builder()
            b.add(text)
            #expect(a.fingerprint == b.fingerprint)
            let event = Event(time: 1, source: .pinpoint, kind: .app, user: text, fingerprint: a.fingerprint, sessionID: text,
                              dimensions: DimensionValues())
            #expect(event.userName == text && event.sessionID == text && event.user == UserID(text))
        }
        #expect(ShortText("a") != ShortText("b"))
        #expect(ShortText(String(repeating: "x", count: 60)) != ShortText(String(repeating: "x", count: 61)))
        var none = Fingerprint.Builder()
        none.add(nil as ShortText?)
        var empty = Fingerprint.Builder()
        empty.add("")
        #expect(none.fingerprint == empty.fingerprint)
    }

    @Test("a decoded id with escapes is unescaped, as its String would be")
    func escaped() throws {
        let line = #"{"event_type":"pageView","event_timestamp":1,"client":{"client_id":"c\u00e9\"1"},"endpoint":{"User":{"UserId":"\ud83d\ude00-u"}}}"#
        let bytes = Array(line.utf8)
        var scanner = JSONScanner(schema: RecordDecoder.schema)
        let outcome = bytes.withUnsafeBytes { raw -> RecordDecoder.Outcome in
            _ = scanner.scan(raw)
            return RecordDecoder().decode(raw, range: 0..<raw.count, fields: scanner.fields)
        }
        guard case .event(let event, _) = outcome else {
            Issue.record("not an event: \(outcome)")
            return
        }
        #expect(event.userName == "😀-u")
        #expect(event.user == UserID("😀-u"))
        // docs/metrics.md "Duplicates": (event_type, event_timestamp, client_id, session_id, user_id), unescaped.
        var expected = Fingerprint.Builder()
        expected.add("pinpoint")
        expected.add("pageView")
        expected.add(Int64(1))
        expected.add("cé\"1")
        expected.add("")
        expected.add("😀-u")
        #expect(event.fingerprint == expected.fingerprint)
    }
}
