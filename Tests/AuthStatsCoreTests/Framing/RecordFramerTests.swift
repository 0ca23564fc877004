import Testing

@testable import AuthStatsCore

@Suite("RecordFramer")
struct RecordFramerTests {
    enum Framed: Equatable {
        case record(String)
        case invalid(String, offset: Int, reason: String)
        case oversize(length: Int)
    }

    /// Frames `text`, fed in chunks of `chunk` bytes.
    func frame(_ text: String, chunk: Int = 1 << 20, max: Int = 1 << 20) -> [Framed] {
        let framer = RecordFramer(scanner: JSONScanner(schema: FieldSchema(["a"])), maxRecordBytes: max, initialCapacity: 64)
        var out: [Framed] = []
        func drain() {
            while let item = framer.next() {
                let buffer = framer.buffer
                switch item {
                case .record(let range, let number):
                    #expect(number == out.count + 1)
                    out.append(.record(String(decoding: UnsafeRawBufferPointer(rebasing: buffer[range]), as: UTF8.self)))
                case .invalid(let range, _, let offset, let reason):
                    out.append(.invalid(String(decoding: UnsafeRawBufferPointer(rebasing: buffer[range]), as: UTF8.self), offset: offset, reason: reason))
                case .oversize(_, _, let length):
                    out.append(.oversize(length: length))
                }
            }
        }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + chunk)
            bytes[offset..<end].withUnsafeBytes { framer.append($0) }
            offset = end
            drain()
        }
        framer.finish()
        drain()
        return out
    }

    @Test("newline-delimited, back-to-back and pretty-printed records frame alike, in any chunking")
    func layouts() {
        let expected: [Framed] = [.record(#"{"a":1}"#), .record(#"{"a":"}{"}"#), .record(#"{"a":[3]}"#)]
        for chunk in [1, 2, 3, 7, 1 << 20] {
            #expect(frame("{\"a\":1}\n{\"a\":\"}{\"}\r\n\n{\"a\":[3]}\n", chunk: chunk) == expected)
            #expect(frame(#"{"a":1}{"a":"}{"}{"a":[3]}"#, chunk: chunk) == expected)
            #expect(frame("{\"a\":1} {\"a\":\"}{\"}\t{\"a\":[3]}", chunk: chunk) == expected)
        }
        #expect(frame("{\n  \"a\": 1\n}\n{\n  \"a\": 2\n}\n", chunk: 3) == [.record("{\n  \"a\": 1\n}"), .record("{\n  \"a\": 2\n}")])
    }

    @Test("a broken record never takes the next good record with it")
    func brokenRecords() {
        // Balanced but invalid: ends at its closing brace.
        #expect(frame("{\"a\" 1}\n{\"a\":2}\n") == [
            .invalid(#"{"a" 1}"#, offset: 5, reason: "expected ':' after object key"), .record(#"{"a":2}"#),
        ])
        // Truncated line: ends at the line break before the next record.
        for chunk in [1, 4, 1 << 20] {
            #expect(frame("{\"a\":{\"b\":1\n{\"a\":2}\n", chunk: chunk) == [
                .invalid(#"{"a":{"b":1"#, offset: 11, reason: "the record ends before its JSON value does (truncated record)"),
                .record(#"{"a":2}"#),
            ])
        }
        // Unterminated string: a raw line break ends it.
        #expect(frame("{\"a\":\"abc\n{\"a\":2}") == [
            .invalid(#"{"a":"abc"#, offset: 9, reason: "the record ends before its JSON value does (truncated record)"),
            .record(#"{"a":2}"#),
        ])
        // A line that is not a JSON object is one broken record.
        #expect(frame("hello world\n{\"a\":2}\n") == [
            .invalid("hello world", offset: 0, reason: "expected a value, found 'h'"), .record(#"{"a":2}"#),
        ])
        // Trailing text after a record is its own broken record.
        #expect(frame("{\"a\":1} junk\n{\"a\":2}") == [
            .record(#"{"a":1}"#), .invalid("junk", offset: 0, reason: "expected a value, found 'j'"), .record(#"{"a":2}"#),
        ])
        // Truncated at the end of the stream.
        #expect(frame("{\"a\":1}\n{\"a\":") == [
            .record(#"{"a":1}"#),
            .invalid(#"{"a":"#, offset: 5, reason: "the record ends before its JSON value does (truncated record)"),
        ])
    }

    @Test("records longer than the limit are skipped to their end and reported with their length")
    func oversize() {
        let long = "{\"a\":\"" + String(repeating: "x", count: 300) + "\"}"
        for chunk in [7, 64, 1 << 20] {
            #expect(frame("{\"a\":1}\n\(long)\n{\"a\":2}\n", chunk: chunk, max: 100) == [
                .record(#"{"a":1}"#), .oversize(length: 308), .record(#"{"a":2}"#),
            ])
            // A broken long line: skipped to the next line that starts a record.
            #expect(frame("{\"a\":\"\(String(repeating: "y", count: 300))\n{\"a\":2}", chunk: chunk, max: 100) == [
                .oversize(length: 306), .record(#"{"a":2}"#),
            ])
        }
    }

    @Test("records far larger than a chunk are read whole")
    func largeRecord() {
        let big = "{\"a\":\"" + String(repeating: "z", count: 200_000) + "\"}"
        #expect(frame(big + "\n" + big, chunk: 4096) == [.record(big), .record(big)])
    }

    @Test("blank input frames nothing")
    func blank() {
        #expect(frame("") == [])
        #expect(frame("\n\n  \r\n") == [])
    }
}

@Suite("RecordFramer: CloudTrail files and CloudWatch Logs exports")
struct EnvelopeFramingTests {
    func records(_ text: String, chunk: Int) -> [String] {
        RecordFramerTests().frame(text, chunk: chunk).map { item in
            switch item {
            case .record(let text): return text
            case .invalid(let text, _, _): return "BAD " + text
            case .oversize: return "LONG"
            }
        }
    }

    @Test("each element of a Records array is a record, in any chunking")
    func cloudTrail() {
        for chunk in [1, 5, 13, 1 << 20] {
            #expect(records(#"{"Records":[{"a":1},{"a":{"b":"]}"}}, {"a":3}]}"#, chunk: chunk) == [#"{"a":1}"#, #"{"a":{"b":"]}"}}"#, #"{"a":3}"#])
            #expect(records("{ \"Records\" : [\n{\"a\":1}\n]\n}\n{\"a\":2}", chunk: chunk) == [#"{"a":1}"#, #"{"a":2}"#])
            #expect(records(#"{"Records":[]}"#, chunk: chunk) == [])
        }
    }

    @Test("a broken element of a Records array is rejected alone")
    func brokenElement() {
        #expect(records(#"{"Records":[{"a":1},{"a" 2},{"a":3}]}"#, chunk: 4) == [#"{"a":1}"#, #"BAD {"a" 2}"#, #"{"a":3}"#])
    }

    @Test("a truncated CloudTrail file keeps the whole elements")
    func truncated() {
        #expect(records(#"{"Records":[{"a":1},{"a":2},{"a"#, chunk: 3) == [#"{"a":1}"#, #"{"a":2}"#, #"BAD {"a"#])
    }

    @Test("a record whose first key is not Records is a record like any other")
    func notEnvelope() {
        #expect(records(#"{"Recordsx":[1]}{"a":[{"Records":[]}]}"#, chunk: 2) == [#"{"Recordsx":[1]}"#, #"{"a":[{"Records":[]}]}"#])
    }

    @Test("CloudWatch Logs lines: the JSON after the timestamp is the record")
    func cloudWatch() {
        let text = "2024-07-17T17:25:55.123Z {\"a\":1}\n2024-07-17T17:25:56+02:00 {\"a\":2}\n2024 is not a prefix\n"
        for chunk in [1, 7, 1 << 20] {
            #expect(records(text, chunk: chunk) == [#"{"a":1}"#, #"{"a":2}"#, "BAD 2024 is not a prefix"])
        }
    }
}
