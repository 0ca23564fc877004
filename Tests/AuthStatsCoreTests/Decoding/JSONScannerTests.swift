import AuthStatsTestSupport
import Testing

@testable import AuthStatsCore

@Suite("JSONScanner")
struct JSONScannerTests {
    let schema = FieldSchema(["a", "b.c", "b.d.e", "list.1", "n"])

    func scan(_ text: String) -> (JSONScanner.Outcome, [String?]) {
        var scanner = JSONScanner(schema: schema)
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { raw in
            let outcome = scanner.scan(raw)
            let values = scanner.fields.map { field -> String? in
                field.type == .absent ? nil : field.type == .string ? field.string(in: raw) : field.text(in: raw)
            }
            return (outcome, values)
        }
    }

    /// Scans each record with one scanner (its key memory carried from record to record).
    func scanAll(_ texts: [String], with scanner: inout JSONScanner) -> [[String?]] {
        texts.map { text in
            Array(text.utf8).withUnsafeBytes { raw in
                guard case .complete = scanner.scan(raw) else { return [] }
                return scanner.fields.map { field in
                    field.type == .absent ? nil : field.type == .string ? field.string(in: raw) : field.text(in: raw)
                }
            }
        }
    }

    @Test("keys remembered by place: the same answers when keys change order, length, bytes or escapes")
    func keyMemory() {
        let records = [
            #"{"a":"1","b":{"c":"2","d":{"e":3}},"n":4}"#,
            #"{"a":"5","b":{"c":"6","d":{"e":7}},"n":8}"#,  // the same keys: all remembered
            #"{"n":9,"b":{"d":{"e":10},"c":"11"},"a":"12"}"#,  // reversed at every level
            #"{"z":0,"b":{"x":"13","c":"14"},"a":"15"}"#,  // another key of the same length at a place
            #"{"\u0061":"16","b":{"\u0063":"17"},"n":18}"#,  // escaped keys at remembered places
            #"{"aa":"19","b":{"cc":"20","c":"21"},"list":["x","22"]}"#,  // longer keys
            #"{"a":"23","b":{"c":"24","d":{"e":25}},"n":26}"#,  // back to the first order
            #"{"abcdefghijklmnopq":1,"abcdefghijklmnopr":2,"a":"27"}"#,  // keys over 16 bytes
        ]
        var scanner = JSONScanner(schema: schema)
        let remembered = scanAll(records, with: &scanner)
        let expected: [[String?]] = [
            ["1", "2", "3", nil, "4"], ["5", "6", "7", nil, "8"], ["12", "11", "10", nil, "9"],
            ["15", "14", nil, nil, nil], ["16", "17", nil, nil, "18"], [nil, "21", nil, "22", nil],
            ["23", "24", "25", nil, "26"], ["27", nil, nil, nil, nil],
        ]
        #expect(remembered == expected)
        // Each record alone, with a fresh scanner (nothing remembered).
        for (i, text) in records.enumerated() {
            var alone = JSONScanner(schema: schema)
            #expect(scanAll([text], with: &alone) == [expected[i]])
        }
        // Keys of 9 to 16 bytes that differ only in their last bytes (or in the eighth).
        var long = JSONScanner(schema: FieldSchema(["abcdefghij1", "abcdefghij2", "abcdefghijklmno"]))
        let longRecords = [#"{"abcdefghij1":"x"}"#, #"{"abcdefghij2":"y"}"#, #"{"abcdefghijklmno":"z"}"#, #"{"abcdefgXijklmno":"w"}"#]
        #expect(scanAll(longRecords, with: &long) == [["x", nil, nil], [nil, "y", nil], [nil, nil, "z"], [nil, nil, nil]])
        // A copy scans on its own memory: the original's answers do not change.
        var copy = scanner
        #expect(scanAll(Array(records.reversed()), with: &copy) == Array(expected.reversed()))
        #expect(scanAll(records, with: &scanner) == expected)
    }

    @Test("a key recalled at its place by its bytes and the quote after them; any other key is scanned")
    func keyRecall() {
        let records = [
            #"{"a":"1","n":2}"#, #"{"":"x","n":3}"#, #"{"a":"4","n":5}"#, #"{"ab":"6","n":7}"#, #"{"a":"8","nn":9}"#,
            #"{"é":"10","n":11}"#, #"{"é":"12","n":13}"#, #"{"a":"14","n":15}"#, #"{"a\"b":"16","n":17}"#,
            #"{"\u0061":"18","n":19}"#, #"{"a":"20","n":21}"#,
        ]
        var scanner = JSONScanner(schema: schema)
        #expect(scanAll(records, with: &scanner) == [
            ["1", nil, nil, nil, "2"], [nil, nil, nil, nil, "3"], ["4", nil, nil, nil, "5"], [nil, nil, nil, nil, "7"],
            ["8", nil, nil, nil, nil], [nil, nil, nil, nil, "11"], [nil, nil, nil, nil, "13"], ["14", nil, nil, nil, "15"], [nil, nil, nil, nil, "17"],
            ["18", nil, nil, nil, "19"], ["20", nil, nil, nil, "21"],
        ])
        // Bytes that are not a valid key at a remembered place are refused where they are,
        // whatever was remembered there: a control byte, a stray byte, a cut.
        for (bytes, verdict) in [
            (Array(#"{"a"#.utf8) + [0x01] + Array(#"":1}"#.utf8), "invalid"), ([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D], "invalid"),
            ([0x7B, 0x22, 0xFF, 0xFF, 0x22, 0x3A, 0x31, 0x7D], "invalid"), (Array(#"{"a"#.utf8), "incomplete"), (Array(#"{"é"#.utf8), "incomplete"),
        ] as [([UInt8], String)] {
            let outcome = bytes.withUnsafeBytes { scanner.scan($0) }
            switch outcome {
            case .invalid: #expect(verdict == "invalid", "\(bytes)")
            case .incomplete: #expect(verdict == "incomplete", "\(bytes)")
            case .complete: Issue.record("accepted \(bytes)")
            }
        }
    }

    @Test("extracts the schema's paths and ignores the same keys at other depths")
    func extraction() {
        let text = #"{"x":{"a":"decoy","b":{"c":"no"}},"a":"top","b":{"c":"deep","d":{"e":12}},"list":["0","one"],"n":null}"#
        let (outcome, values) = scan(text)
        #expect(outcome == .complete(end: text.utf8.count))
        #expect(values == ["top", "deep", "12", "one", "null"])
    }

    @Test("unescapes strings, including surrogate pairs, and keys written with escapes")
    func escapes() {
        let (_, values) = scan(#"{"\u0061":"caf\u00e9 \"q\" \\ \/ \ud83d\ude00 \n","b":{"c":"é"}}"#)
        #expect(values[0] == "café \"q\" \\ / 😀 \n")
        #expect(values[1] == "é")
    }

    @Test("the last of duplicated keys wins as a whole")
    func duplicateKeys() {
        let (_, values) = scan(#"{"b":{"c":"first","d":{"e":1}},"b":{"c":"second"}}"#)
        #expect(values[1] == "second")
        #expect(values[2] == nil)
        // A subtree met twice deeper down, and records one after another with one scanner: a
        // subtree met once in a record holds only what that record wrote there.
        #expect(scan(#"{"b":{"d":{"e":1},"d":{}}}"#).1[2] == nil)
        var scanner = JSONScanner(schema: schema)
        let records = [
            #"{"b":{"c":"1","d":{"e":2}},"n":3}"#,
            #"{"b":{"c":"4"}}"#,
            #"{"b":{"d":{"e":5}},"b":{"c":"6"}}"#,
            #"{"b":{"d":{"e":7}}}"#,
        ]
        let read = scanAll(records, with: &scanner)
        #expect(read.map { [$0[1], $0[2], $0[4]] } == [["1", "2", "3"], ["4", nil, nil], ["6", nil, nil], [nil, "7", nil]])
        // A leaf met twice: the second value replaces the first, whatever its type.
        #expect(scan(#"{"a":"x","a":{"q":1}}"#).1[0] == #"{"q":1}"#)
        #expect(scan(#"{"a":"x","a":null}"#).1[0] == "null")
        #expect(scan(#"{"a":{"q":1},"a":"y"}"#).1[0] == "y")
    }

    @Test("true, false and null: whole, cut by the buffer's end, or misspelt in any byte")
    func literals() {
        let text = #"{"a":true,"n":false,"b":{"c":null}}"#
        let (outcome, values) = scan(text)
        #expect(outcome == .complete(end: text.utf8.count))
        #expect(values[0] == "true" && values[4] == "false" && values[1] == "null")
        for word in ["true", "false", "null"] {
            // Cut at every length: incomplete; a byte changed at every place: invalid.
            for cut in 1..<word.utf8.count {
                #expect(scan("[" + word.prefix(cut)).0 == .incomplete, "\(word.prefix(cut))")
            }
            for place in 0..<word.utf8.count {
                if place == 0 { continue }  // the first byte picks the literal
                var bytes = Array(word.utf8)
                bytes[place] = UInt8(ascii: "X")
                let changed = String(decoding: bytes, as: UTF8.self)
                #expect(scan("[\(changed)]").0 == .invalid(offset: 1, reason: "expected a value, found '\(word.first!)'"), "\(changed)")
                #expect(scan("[\(changed)").0 == .invalid(offset: 1, reason: "expected a value, found '\(word.first!)'"), "\(changed) at the end")
            }
            #expect(scan("[\(word)]").0 == .complete(end: word.utf8.count + 2))
        }
    }

    @Test("white space around colons and commas reads the same as none")
    func whiteSpace() {
        let tight = scan(#"{"a":"1","b":{"c":"2","d":{"e":3}},"n":4}"#)
        for text in [
            #"{ "a" : "1" , "b" : { "c" : "2" , "d" : { "e" : 3 } } , "n" : 4 }"#,
            "{\"a\":\"1\",\n\t\"b\":{\"c\"\r\n:\"2\",\"d\":{\"e\":3}},  \"n\":4}",
            #"{"a" :"1","b": {"c":"2" ,"d":{"e" :3}},"n":4}"#,
        ] {
            let (outcome, values) = scan(text)
            #expect(outcome == .complete(end: text.utf8.count), "\(text)")
            #expect(values == tight.1, "\(text)")
        }
    }

    @Test("runs of white space of every length (indentation, passed eight spaces at a time) read as one space; cut inside, incomplete")
    func whiteSpaceRuns() {
        let tight = scan(#"{"a":"1","b":{"c":"2","d":{"e":3}},"n":4}"#)
        for length in 0...40 {
            // Spaces only, a line break then spaces (as pretty-printed output), and a tab or a
            // CR in the middle of the run (which ends the eight-at-a-time step there).
            for run in [String(repeating: " ", count: length), "\n" + String(repeating: " ", count: length),
                        String(repeating: " ", count: length / 2) + "\t" + String(repeating: " ", count: length - length / 2),
                        String(repeating: " ", count: length) + "\r\n" + String(repeating: " ", count: length)] {
                let text = "{\(run)\"a\"\(run):\(run)\"1\"\(run),\(run)\"b\":{\"c\":\"2\",\(run)\"d\":{\"e\":\(run)3\(run)}},\"n\":4\(run)}"
                let (outcome, values) = scan(text)
                #expect(outcome == .complete(end: text.utf8.count), "\(length)")
                #expect(values == tight.1, "\(length)")
                // Cut inside the run before a value: more is needed, nothing is wrong.
                var scanner = JSONScanner(schema: schema)
                let cut = Array(("{\"a\":" + run).utf8)
                #expect(cut.withUnsafeBytes { scanner.scan($0) } == .incomplete, "\(length)")
                // A byte that is not white space after the run is found where it is.
                let bad = Array(("{\"a\":\"1\"" + run + "x}").utf8)
                #expect(bad.withUnsafeBytes { scanner.scan($0) } == .invalid(offset: bad.count - 2, reason: "expected ',' or '}' after an object member, found 'x'"), "\(length)")
            }
        }
    }

    @Test("a value of another type where an object is expected is not an error")
    func typeMismatch() {
        let text = #"{"b":"HIDDEN_DUE_TO_SECURITY_REASONS","a":1}"#
        let (outcome, values) = scan(text)
        #expect(outcome == .complete(end: text.utf8.count))
        #expect(values[1] == nil)
        #expect(values[0] == "1")
    }

    @Test(
        "rejects what is not JSON, with the offset and reason",
        arguments: [
            (#"{"a" "b"}"#, 5, "expected ':' after object key"),
            (#"{"a":1,}"#, 7, "expected '\"' to begin an object key, found '}'"),
            (#"{"a":1 "b":2}"#, 7, "expected ',' or '}' after an object member, found '\"'"),
            (#"{"a":tru}"#, 5, "expected a value, found 't'"),
            (#"{"a":01}"#, 5, "invalid number: leading zero"),
            (#"{"a":1.}"#, 5, "invalid number: expected a digit after '.'"),
            (#"{"a":-}"#, 5, "invalid number: expected a digit"),
            (#"{"a":"\x"}"#, 6, "invalid escape '\\x' in string"),
            (#"{"a":"\ud800"}"#, 6, "unpaired high surrogate in string"),
            (#"{"a":"\udc00"}"#, 6, "unpaired low surrogate \\udc00 in string"),
            ("{\"a\":\"x\ty\"}", 7, "control character byte 0x09 inside a string"),
            (#"{"a":[1 2]}"#, 8, "expected ',' or ']' after an array element, found '2'"),
            (#"{"a":'x'}"#, 5, "expected a value, found '''"),
            (#"{"a" ,1}"#, 5, "expected ':' after object key"),
            (#"{"a":1,"b"}"#, 10, "expected ':' after object key"),
            (#"{"a":1, }"#, 8, "expected '\"' to begin an object key, found '}'"),
            (#"[1234567:,1]"#, 8, "expected ',' or ']' after an array element, found ':'"),
            (#"[1.2345678;]"#, 10, "expected ',' or ']' after an array element, found ';'"),
        ])
    func invalid(text: String, offset: Int, reason: String) {
        #expect(scan(text).0 == .invalid(offset: offset, reason: reason))
    }

    @Test("rejects invalid UTF-8 and overlong encodings")
    func invalidUTF8() {
        for bytes: [UInt8] in [[0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xFF], [0xE2, 0x28, 0xA1]] {
            var scanner = JSONScanner(schema: schema)
            let record = Array(#"{"a":""#.utf8) + bytes + Array(#""}"#.utf8)
            let outcome = record.withUnsafeBytes { scanner.scan($0) }
            guard case .invalid(let offset, let reason) = outcome else {
                Issue.record("accepted \(bytes)")
                continue
            }
            #expect(offset == 6)
            if bytes == [0xFF] { #expect(reason == "invalid UTF-8 byte 0xFF in string") }  // once "byte byte 0xFF"
        }
    }

    @Test("a string's stop byte at every place of the 16- and 8-byte steps, near the buffer's end too")
    func stopsAtEveryPlace() {
        // What stops a plain run, and what the scanner must then say: the value (nil: invalid
        // at the stop byte's offset).
        let stops: [([UInt8], String?)] = [
            ([0xC3, 0xA9], "é"), (Array(#"\n"#.utf8), "\n"), (Array(#"\""#.utf8), "\""), ([0x7F], "\u{7F}"), ([0x20], " "),
            ([0x21], "!"), ([0x5B], "["), ([0x5D], "]"), ([0x7E], "~"),
            ([0x00], nil), ([0x01], nil), ([0x1F], nil), ([0x80], nil), ([0xFF], nil),
        ]
        for before in 0..<36 {
            for after in [0, 1, 7, 15, 16, 17] {
                for (stop, value) in stops {
                    let head = Array(#"{"a":""#.utf8)
                    let text = [UInt8](repeating: 0x61, count: before) + stop + [UInt8](repeating: 0x62, count: after)
                    let record = head + text + Array(#""}"#.utf8)
                    // The record alone (the buffer ends with it) and with bytes after it.
                    for padding in [0, 40] {
                        var scanner = JSONScanner(schema: schema)
                        let buffer = record + [UInt8](repeating: 0x20, count: padding)
                        let (outcome, found) = buffer.withUnsafeBytes { raw -> (JSONScanner.Outcome, String?) in
                            let outcome = scanner.scan(raw)
                            let field = scanner.fields[0]
                            return (outcome, field.type == .string ? field.string(in: raw) : nil)
                        }
                        if let value {
                            #expect(outcome == .complete(end: record.count), "\(before) \(stop) \(after)")
                            #expect(found == String(repeating: "a", count: before) + value + String(repeating: "b", count: after))
                        } else {
                            guard case .invalid(let offset, _) = outcome else {
                                Issue.record("accepted \(stop) after \(before) bytes")
                                continue
                            }
                            #expect(offset == head.count + before, "\(before) \(stop) \(after)")
                        }
                    }
                    // Cut inside the string: incomplete, at every length.
                    if value != nil {
                        for cut in head.count..<(head.count + text.count) {
                            var scanner = JSONScanner(schema: schema)
                            #expect(Array(record[..<cut]).withUnsafeBytes { scanner.scan($0) } == .incomplete, "\(cut)")
                        }
                    }
                }
            }
        }
    }

    @Test("a value cut by the end of the buffer is incomplete, not invalid")
    func incomplete() {
        for text in [#"{"a":"#, #"{"a":"ab"#, #"{"a":tr"#, #"{"a":12"#, #"{"a":"\u00"#, "{\"a\":\"\u{E9}"] {
            var bytes = Array(text.utf8)
            if text.hasSuffix("\u{E9}") { bytes.removeLast() }  // half of a two-byte sequence
            var scanner = JSONScanner(schema: schema)
            #expect(bytes.withUnsafeBytes { scanner.scan($0) } == .incomplete, "\(text)")
        }
    }

    @Test("nesting is bounded")
    func depth() {
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(scan(deep).0 == .invalid(offset: 512, reason: "nesting deeper than 512 levels"))
    }

    @Test("integers: plain, exponent form that is integral, and non-integers")
    func integers() {
        for (text, expected): (String, Int64?) in [
            ("1643673911400", 1_643_673_911_400), ("-5", -5), ("1.6436739114e12", 1_643_673_911_400),
            ("1643673911400.0", 1_643_673_911_400), ("1.5", nil), ("99999999999999999999", nil),
            // Decided on the digits, not through a Double (which rounded the first to an integer).
            ("1793663596528.0000001", nil), ("1.7936635965285e12", nil), ("1.7936635965280e12", 1_793_663_596_528), ("1.79366359652850e12", nil),
            ("179366359652800e-2", 1_793_663_596_528), ("17936635965281e-1", nil), ("0.0", 0), ("-0e5", 0), ("-1.2E+1", -12),
            ("1e18", 1_000_000_000_000_000_000), ("1e19", nil), ("9.223372036854775807e18", Int64.max), ("1e-400", nil),
            ("0.000e400", 0),
        ] {
            let bytes = Array(text.utf8)
            let value = bytes.withUnsafeBytes {
                JSONField(type: .number, start: 0, end: bytes.count, hasEscapes: false).integer(in: $0)
            }
            #expect(value == expected, "\(text)")
        }
    }

    @Test("integers of every length, read eight digits at a time, equal a digit-by-digit read")
    func integersEveryLength() {
        var generator = SystemRandomNumberGenerator()
        for length in 1...40 {
            for _ in 0..<50 {
                var digits = (0..<length).map { _ in UInt8(ascii: "0") + UInt8.random(in: 0...9, using: &generator) }
                if length > 1 && digits[0] == UInt8(ascii: "0") { digits[0] = UInt8(ascii: "7") }
                for sign in ["", "-"] {
                    let text = sign + String(decoding: digits, as: UTF8.self)
                    // Digit by digit, nil on overflow: what the read must give.
                    var expected: Int64? = 0
                    for d in digits {
                        guard let v = expected else { break }
                        let (m, o1) = v.multipliedReportingOverflow(by: 10)
                        let (s, o2) = m.addingReportingOverflow(Int64(d - 0x30))
                        expected = o1 || o2 ? nil : s
                    }
                    if sign == "-" { expected = expected.map { -$0 } }
                    // Padded: the bytes after the number are not read as its digits.
                    let bytes = Array(text.utf8) + Array("99999999,".utf8)
                    let value = bytes.withUnsafeBytes {
                        JSONField(type: .number, start: 0, end: text.utf8.count, hasEscapes: false).integer(in: $0)
                    }
                    #expect(value == expected, "\(text)")
                    // The scanner takes the number whole and stops at the byte after it.
                    #expect(scan("[\(text),1]").0 == .complete(end: text.utf8.count + 4), "\(text)")
                    #expect(scan("[\(text)x]").0 == .invalid(offset: text.utf8.count + 1, reason: "expected ',' or ']' after an array element, found 'x'"), "\(text)")
                }
            }
        }
        // A run of digits ends at the first byte that is not one, whatever the bytes after it.
        var random = SeededRandom(seed: 88)
        for place in 0..<8 {
            for byte in 0...255 {
                var bytes = (0..<8).map { _ in UInt8(ascii: "0") + UInt8(random.next() % 10) }
                bytes[place] = UInt8(byte)
                if place < 7 { bytes[place + 1] = UInt8(random.next() % 256) }
                let word = bytes.withUnsafeBytes { EightDigits.load($0.baseAddress!) }
                let expected = bytes.firstIndex { $0 < 0x30 || $0 > 0x39 } ?? 8
                #expect(EightDigits.leadingDigits(word) == expected, "\(bytes)")
                if expected == 8 {
                    for count in 1..<8 {
                        let last = bytes[(8 - count)...].reduce(UInt64(0)) { $0 * 10 + UInt64($1 - 0x30) }
                        #expect(EightDigits.value(last: count, of: word) == last, "\(bytes) \(count)")
                    }
                }
            }
        }
        // Digits with the bytes around '0' and '9' (`/`, `:`) inside an 8-byte word.
        for text in ["1234567/", "123456:8", "12345678/", "1234567:9"] {
            let bytes = Array(text.utf8)
            let value = bytes.withUnsafeBytes { JSONField(type: .number, start: 0, end: bytes.count, hasEscapes: false).integer(in: $0) }
            #expect(value == nil, "\(text)")
        }
    }
}
