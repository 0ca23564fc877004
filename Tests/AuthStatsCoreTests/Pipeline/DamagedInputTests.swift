import AuthStatsTestSupport
import Foundation
import Testing

@testable import AuthStatsCore

/// Regression tests for issue 11's defects 1 and 2 (and the BOM, NUL padding and reject
/// reasons): each case here lost records, crashed or misnamed a reject before.
@Suite("Damaged input: absurd times, broken back-to-back records, junk between records")
struct DamagedInputTests {
    static func line(_ time: Int64, user: String = "u1", client: String = "c1") -> String {
        #"{"event_type":"_userauth.sign_in","event_timestamp":\#(time),"client":{"client_id":"\#(client)"},"endpoint":{"User":{"UserId":"\#(user)"}}}"#
    }

    static let day: Int64 = 86_400_000
    static let nov1: Int64 = 1_793_491_200_000  // 2026-11-01T00:00:00Z

    @Test(
        "a time outside the accepted range is a reject with its reason, and costs no memory",
        arguments: [
            (Int64.max, "event_timestamp 9223372036854775807 (after the year 9999; microseconds or nanoseconds?) is outside the accepted range"),
            (1_793_491_200_000_000, "event_timestamp 1793491200000000 (after the year 9999; microseconds or nanoseconds?)"),
            (253_402_214_400_000, "event_timestamp 253402214400000 (9999-12-31T00:00:00.000Z) is outside"),
            (946_684_799_999, "event_timestamp 946684799999 (1999-12-31T23:59:59.999Z) is outside the accepted range 2000-01-01 to"),
            (-62_167_219_200_001, "(before the year 0)"),
        ])
    func outOfRange(time: Int64, reason: String) {
        let text = [Self.line(Self.nov1), Self.line(time, client: "bad"), Self.line(Self.nov1 + 1000, client: "c2")].joined(separator: "\n")
        let run = InMemoryRun(text: text)
        #expect(run.inputs.map(\.events) == [2])
        #expect(run.rejects.map(\.record) == [2])
        #expect(run.rejects.first?.reason.contains(reason) == true, "\(run.rejects.first?.reason ?? "")")
        #expect(run.reports.daily.map(\.date.description) == ["2026-11-01"])  // one row, not millennia of them
    }

    @Test("the range's edges: its first and last millisecond count, one outside does not")
    func edges() {
        let oldest: Int64 = 946_684_800_000  // 2000-01-01T00:00:00Z
        let range = TimeRange(oldest: Day(year: 2000, month: 1, day: 1), newest: Day(year: 2000, month: 1, day: 2))
        #expect(range.millis == oldest...(oldest + 2 * Self.day - 1))
        #expect(TimeRange.default(now: Date(timeIntervalSince1970: 1_793_491_200)).newest == Day(year: 2026, month: 11, day: 4))
        let text = [oldest - 1, oldest, oldest + 2 * Self.day - 1, oldest + 2 * Self.day].map { Self.line($0, client: "c\($0)") }
        var configuration = Analysis.Configuration()!
        configuration.acceptedTimes = range
        let collector = RejectCollector()
        let analysis = Analysis(configuration: configuration, rejects: collector)
        let stream = analysis.beginStream(path: "t", member: nil, compression: "none", container: nil)
        Array(text.joined(separator: "\n").utf8).withUnsafeBytes { stream.read(bytes: $0) }
        stream.end()
        #expect(analysis.inputs.map(\.events) == [2])
        #expect(collector.records.map(\.record) == [1, 4])
    }

    @Test("a session bound outside the range is ignored; the event counts")
    func sessionBounds() {
        let text = #"{"event_type":"_session.start","event_timestamp":\#(Self.nov1),"session":{"session_id":"s1","start_timestamp":1,"stop_timestamp":\#(Int64.max)},"endpoint":{"User":{"UserId":"u1"}}}"#
        let run = InMemoryRun([("t", Array(text.utf8))], sessionRows: true)
        #expect(run.rejects.isEmpty)
        #expect(run.sessions.map(\.durationSeconds) == [0])
        #expect(run.reports.daily.map(\.date.description) == ["2026-11-01"])
    }

    /// The processor decodes every record into one event it keeps (`RecordDecoder.Decoded`):
    /// nothing of a record, clamped, rejected or whole, reaches the next one.
    @Test("each record's event is its own: a clamped session bound, a reject and a session-less record leave the next as it came")
    func eventsDoNotCarryOver() {
        let stop = Self.nov1 + 120_000
        let records = [
            #"{"event_type":"_session.start","event_timestamp":\#(Self.nov1),"session":{"session_id":"s1","start_timestamp":1,"stop_timestamp":\#(Int64.max)},"endpoint":{"User":{"UserId":"u1"},"Demographic":{"Platform":"ios"}}}"#,
            #"{"event_type":"_session.stop","event_timestamp":\#(Self.nov1 + 60_000),"session":{"session_id":"s2","start_timestamp":\#(Self.nov1),"stop_timestamp":\#(stop)},"endpoint":{"User":{"UserId":"u2"}}}"#,
            #"{"event_type":"_session.start","event_timestamp":1,"session":{"session_id":"s3"},"endpoint":{"User":{"UserId":"u3"}}}"#,
            Self.line(Self.nov1 + 30_000, user: "u4"),
        ]
        let run = InMemoryRun([("t", Array(records.joined(separator: "\n").utf8))], sessionRows: true)
        #expect(run.rejects.count == 1)
        let byUser = Dictionary(uniqueKeysWithValues: run.sessions.map { ($0.user, $0) })
        #expect(Set(byUser.keys) == ["u1", "u2", "u4"])
        #expect(byUser["u1"].map { [$0.start, $0.end] } == [Self.nov1, Self.nov1])
        #expect(byUser["u1"]?.platform == "ios")
        #expect(byUser["u2"].map { [$0.id, String($0.start), String($0.end)] } == ["s2", String(Self.nov1), String(stop)])
        #expect(byUser["u2"]?.platform == Dimension.unknown)
        #expect(byUser["u4"].map { [$0.start, $0.end, Int64($0.signIns)] } == [Self.nov1 + 30_000, Self.nov1 + 30_000, 1])
        // Its own gap session, named by its user and time: not the session of an event before.
        #expect(byUser["u4"]?.id == "u4-\(Self.nov1 + 30_000)")
    }

    /// 2,328 back-to-back records (Firehose's default framing) with `damage` after record 10.
    func backToBack(damage: String, chunk: Int) -> InMemoryRun {
        let records = (0..<2328).map { Self.line(Self.nov1 + Int64($0) * 1000, user: "u\($0 % 50)", client: "c\($0)") }
        let text = records[..<10].joined() + damage + records[10...].joined()
        return InMemoryRun(text: text, chunkSize: chunk)
    }

    @Test(
        "back to back: one damaged record or stray junk loses nothing after it",
        arguments: ["null", ",", "word", "\u{FEFF}", "\u{0}", #"{"event_type":"_userauth.sign_in","event_timestamp":17"#, "42", #""hello""#])
    func backToBackDamage(damage: String) {
        for chunk in [1000, 1 << 20] {
            let run = backToBack(damage: damage, chunk: chunk)
            #expect(run.inputs.map(\.events) == [2328], "\(damage.debugDescription) chunk \(chunk)")
            #expect(run.inputs.map(\.status) == [.ok])
            if damage == "\u{0}" {
                #expect(run.rejects.isEmpty)
                #expect(run.inputs.first?.skipReasons == [StreamProcessor.paddingReason: 1])
            } else {
                #expect(run.rejects.map { String(decoding: $0.raw, as: UTF8.self) } == [damage])  // only the damaged bytes
                #expect(run.rejects.map(\.record) == [11])
            }
        }
    }

    @Test("rejects are numbered as records counts them, also after damage that took in what followed it")
    func numberingAfterMergedDamage() {
        // `x` is damage; the `{}` right after it is no record either and joins it: three records.
        let run = InMemoryRun(text: "abc\nx{}\ndef\n" + Self.line(Self.nov1) + "\nghi\n")
        #expect(run.inputs.map(\.records) == [5])
        #expect(run.inputs.map(\.events) == [1])
        #expect(run.rejects.map(\.record) == [1, 2, 3, 5])
        #expect(run.rejects.map { String(decoding: $0.raw, as: UTF8.self) } == ["abc", "x{}", "def", "ghi"])
        // The reason is the damage's, and says what joined it.
        #expect(run.rejects[1].reason.hasSuffix(" (with the 2 bytes after it, which are no record either)"), "\(run.rejects[1].reason)")
        #expect(!run.rejects[0].reason.contains("bytes after it"))
        // A run of NUL padding is a record of `records` too (a skip), which the framer does
        // not number.
        let padded = InMemoryRun(text: "abc\n\u{0}\u{0}\u{0}\u{0}\nghi\n")
        #expect(padded.inputs.map(\.records) == [3])
        #expect(padded.rejects.map(\.record) == [1, 3])
    }

    @Test("the text a reject quotes is escaped as names are: \\x1b, not Swift's \\u{1B}")
    func quotedLikeNames() {
        #expect(RecordFramer.quoted("a\u{1B}[2J\u{7}\u{0}\"\\\n\t\u{E9}") == #""a\x1b[2J\x07\x00\"\\\n\t\#u{E9}""#)
        let run = InMemoryRun(text: "\u{1B}]0;owned\u{7} junk\n")
        #expect(run.rejects.first?.reason.contains(#"\x1b]0;owned\x07 junk"#) == true, "\(run.rejects.first?.reason ?? "")")
    }

    @Test("rejects name what they saw")
    func reasons() {
        let run = InMemoryRun(text: "\"hello\"\nnull\n42\n[1,2]\n{\"a\":1}\n")
        #expect(run.rejects.map(\.reason) == [
            #"not a record: a JSON string ("\"hello\""), not an object"#,
            "not a record: a JSON null, not an object",
            #"not a record: a JSON number ("42"), not an object"#,
            "the record is a JSON array, not an object",
            "not a record authstats knows: no event_type/event_timestamp (Pinpoint), eventSource USER_ACTIVITY "
                + "(Cognito user activity) or eventTime/eventSource/eventName (CloudTrail)",
        ])
    }

    @Test("a CloudTrail Records array keeps every element around a broken one")
    func cloudTrailArray() {
        func element(_ i: Int) -> String {
            #"{"eventVersion":"1.08","eventTime":"2026-11-01T10:00:0\#(i)Z","eventSource":"cognito-idp.amazonaws.com","eventName":"InitiateAuth","eventID":"e\#(i)","additionalEventData":{"sub":"u\#(i)"},"requestParameters":{"clientId":"c"}}"#
        }
        let text = #"{"Records":["# + element(1) + "," + #"{"eventVersion":"1.08","eventTime":"2026-"# + "," + element(2) + ",null," + element(3) + "]}"
        for chunk in [7, 1 << 20] {
            let run = InMemoryRun(text: text, chunkSize: chunk)
            #expect(run.inputs.map(\.events) == [3])
            #expect(run.rejects.map { String(decoding: $0.raw, as: UTF8.self) } == [#"{"eventVersion":"1.08","eventTime":"2026-"#, "null"])
        }
    }

    @Test(
        "a broken CloudTrail element holding arrays of objects is one reject: its inner objects and ] end no Records array",
        arguments: [0.3, 0.5, 0.7, 0.9])
    func cloudTrailBrokenElementWithArrays(cut: Double) {
        func element(_ i: Int) -> String {
            #"{"eventVersion":"1.08","eventTime":"2026-11-01T10:00:\#(String(format: "%02d", i % 60))Z","eventSource":"cognito-idp.amazonaws.com","eventName":"InitiateAuth","#
                + #""eventID":"e\#(i)","additionalEventData":{"sub":"u\#(i)"},"requestParameters":{"clientId":"c"},"#
                + #""resources":[{"accountId":"1","type":"AWS::Cognito::UserPool","ARN":"arn:aws:cognito-idp:eu-west-1:1:userpool/p"},{"ARN":"b"}],"#
                + #""nested":{"deeper":[[{"a":1}],[{"b":2}]]},"eventType":"AwsApiCall"}"#
        }
        let broken = element(3)
        let cutAt = broken.index(broken.startIndex, offsetBy: Int(Double(broken.count) * cut))
        for last in [false, true] {
            // The broken element third, or last (its damage then runs into the array's `]}`).
            var elements = (0..<20).map(element)
            if last { elements.append(String(broken[..<cutAt])) } else { elements[3] = String(broken[..<cutAt]) }
            let text = #"{"Records":["# + elements.joined(separator: ",") + "]}"
            for chunk in [97, 1 << 20] {
                let run = InMemoryRun(text: text, chunkSize: chunk)
                #expect(run.inputs.map(\.events) == [last ? 20 : 19], "cut \(cut) last \(last) chunk \(chunk)")
                #expect(run.rejects.count == 1, "\(run.rejects.map { String(decoding: $0.raw, as: UTF8.self) })")
                #expect(run.inputs.map(\.status) == [.ok])
                #expect(run.inputs.map(\.records) == [last ? 21 : 20])
            }
        }
    }

    @Test("a broken CloudTrail element is one reject, the same bytes, wherever the reads end")
    func cloudTrailBrokenElementAnyChunks() {
        func element(_ i: Int, broken: Bool = false) -> String {
            #"{"eventVersion":"1.08","eventTime":"2026-11-01T10:00:0\#(i)Z","eventSource":"cognito-idp.amazonaws.com","eventName":"InitiateAuth","#
                + (broken ? #""eventID" "x","# : #""eventID":"e\#(i)","#)
                + #""additionalEventData":{"sub":"u\#(i)"},"resources":[{"ARN":"a"},  {"ARN":"b"},\#n {"ARN":"c"}],"eventType":"AwsApiCall"}"#
        }
        let text = #"{"Records":["# + (0..<6).map { element($0, broken: $0 == 3) }.joined(separator: ",\n  ") + "]}"
        let whole = InMemoryRun(text: text)
        #expect(whole.inputs.map(\.events) == [5])
        #expect(whole.rejects.count == 1)
        for chunk in 1..<text.utf8.count / 6 {
            let run = InMemoryRun(text: text, chunkSize: chunk)
            #expect(run.rejects.map(\.raw) == whole.rejects.map(\.raw), "chunk \(chunk)")
            #expect(run.inputs.map(\.records) == whole.inputs.map(\.records), "chunk \(chunk)")
            #expect(run.inputs.map(\.events) == [5], "chunk \(chunk)")
        }
    }

    @Test("a CloudTrail file cut between two elements of its Records array is partial, its whole records counted")
    func cloudTrailCutShort() {
        func element(_ i: Int) -> String {
            #"{"eventVersion":"1.08","eventTime":"2026-11-01T10:00:0\#(i)Z","eventSource":"cognito-idp.amazonaws.com","eventName":"InitiateAuth","eventID":"e\#(i)","additionalEventData":{"sub":"u\#(i)"},"requestParameters":{"clientId":"c"}}"#
        }
        let whole = #"{"Records":["# + element(1) + "," + element(2) + "]}"
        for (text, status) in [
            (whole, InputReport.Status.ok), (whole + "\n", .ok), (whole.dropLast(1) + "\n", .partial), (String(whole.dropLast(2)), .partial),
            (#"{"Records":["# + element(1) + ",", .partial), (#"{"Records":["#, .failed),
        ] {
            for chunk in [7, 1 << 20] {
                let run = InMemoryRun(text: text, chunkSize: chunk)
                #expect(run.inputs.map(\.status) == [status], "\(text.suffix(8).debugDescription)")
                #expect(run.inputs.first?.error == (status == .ok ? nil : StreamProcessor.unclosedRecords))
                #expect(run.rejects.isEmpty)
            }
        }
        #expect(InMemoryRun(text: String(whole.dropLast(2))).inputs.map(\.events) == [2])
        // Cut after the array's `]` (or inside the last element), then NUL bytes: cut all the same.
        for (text, events) in [(String(whole.dropLast(1)), 2), (#"{"Records":["# + element(1) + "," + element(2).prefix(30), 1)] {
            for zeros in [64, 5000] {
                for chunk in [7, 1 << 20] {
                    let run = InMemoryRun([("test.json", Array(text.utf8) + [UInt8](repeating: 0, count: zeros))], chunkSize: chunk)
                    #expect(run.inputs.map(\.status) == [.partial], "\(text.suffix(8).debugDescription) zeros \(zeros) chunk \(chunk)")
                    #expect(run.inputs.map(\.events) == [events])
                }
            }
        }
        // Cut just after an array inside the last element: its `]` closes no Records array whole.
        let inner = #"{"Records":["# + element(1) + #",{"eventVersion":"1.08","resources":[{"ARN":"a"},{"ARN":"b"}]"#
        for chunk in [5, 1 << 20] {
            let run = InMemoryRun(text: inner, chunkSize: chunk)
            #expect(run.inputs.map(\.status) == [.partial], "chunk \(chunk)")
            #expect(run.inputs.map(\.events) == [1])
        }
    }

    @Test("damage longer than --max-record-bytes that runs into the closing ]} leaves the file whole, however it is read")
    func longDamageIntoClosingBrackets() {
        let element = #"{"eventVersion":"1.08","eventTime":"2026-11-01T10:00:01Z","eventSource":"cognito-idp.amazonaws.com","eventName":"InitiateAuth","eventID":"e1","additionalEventData":{"sub":"u1"},"requestParameters":{"clientId":"c"}}"#
        // A broken last element of 600 bytes (the limit 250), passed over as it comes: the
        // file's status follows its last bytes (the framer's own case, where the whole of the
        // damage was passed over before the end was known: RecordFramerTests).
        let broken = #"{"eventVersion": 1.08x"# + String(repeating: "a", count: 600)
        for (ending, status) in [("]}", InputReport.Status.ok), ("] } ", .ok), ("]", .partial), ("", .partial)] {
            let text = #"{"Records":["# + element + "," + broken + ending
            for chunk in [1, 7, 64, 1 << 20] {
                let run = InMemoryRun(text: text, maxRecordBytes: 250, chunkSize: chunk)
                #expect(run.inputs.map(\.status) == [status], "\(ending.debugDescription) chunk \(chunk)")
                #expect(run.inputs.map(\.events) == [1])
                #expect(run.rejects.count == 1)
            }
        }
    }

    @Test("a stream that ends inside its last record is partial, its cut record a reject; a broken record before a whole one is not")
    func cutInsideLastRecord() {
        let first = Self.line(Self.nov1), second = Self.line(Self.nov1 + 1, user: "u2")
        let nested = #"{"event_type":"_userauth.sign_in","event_timestamp":1793491200002,"endpoint":{"User":{"UserId":"u3"}},"attributes":{"a":"b"}"#
        let cases: [(text: String, status: InputReport.Status, events: Int, rejects: Int?)] = [
            (first + "\n" + second.prefix(40), .partial, 1, 1),  // cut inside the second record
            // A line break after the cut: white space between two tokens leaves the value open,
            // inside a string it is a bad byte (a broken record, not one cut short).
            (first + "\n" + second.prefix(34) + "\n", .partial, 1, 1),
            (first + "\n" + second.prefix(40) + "\n", .ok, 1, 1),
            (first + second.prefix(1), .partial, 1, 1),  // back to back, cut after the next record's brace
            (first + "\n" + nested, .partial, 1, 1),  // cut after an object inside it: that object joins the reject
            (String(first.prefix(30)), .partial, 0, 1),  // the only record cut: records were read (the reject)
            (first + "\n" + second + "\n", .ok, 2, 0),
            (first + "\n" + second, .ok, 2, 0),  // no line break at the end: whole all the same
            (#"{"broken": "# + "\n" + first + "\n", .ok, 1, 1),  // a broken record, then a whole one
            (first + "\n" + #"{"broken": "# + "\n" + second, .ok, 2, 1),  // the broken one's value would run to the end
            (first + "\n" + "null", .ok, 1, 1),  // junk at the end is no record cut short
            // Cut after an inner object, and what comes after it (a review's cases): its pieces
            // (the object, the comma, the closing bracket) are no record, whatever they join.
            (first + "\n" + #"{"event_type":"_userauth.sign_in","event_timestamp":1793491200002,"endpoint":{"User":{"UserId":"u2"}},"#, .partial, 1, nil),
            (first + "\n" + #"{"event_type":"_userauth.sign_in", "endpoint": {"User": {"UserId": "u2"}}"#, .partial, 1, nil),
            (first + "\n" + #"{"event_type":"x","list":[{"a":1}]"#, .partial, 1, nil),
            (first + "\n" + "{\n  \"event_type\": \"_userauth.sign_in\",\n  \"endpoint\": {\n    \"User\": {\"UserId\": \"u2\"}\n  },\n  ", .partial, 1, nil),
            // A broken record, then on its line a record cut short: one reject, and cut.
            (first + #"{"a": bad}"# + second.prefix(40), .partial, 1, 1),
            (first + "\n" + #"{"a": bad}"# + second.prefix(40), .partial, 1, 1),
            // A `{` in a string or a key of a broken last record is no record start: not cut.
            (first + "\n" + #"{"a": bad, "s": "{"}"#, .ok, 1, 1),
            (first + "\n" + #"{"a": bad, "{": 1}"#, .ok, 1, 1),
            // A broken record that takes in a whole record rejected for its time: still a record after it.
            (first + "\n" + #"{"broken": "# + "\n" + Self.line(1), .ok, 1, 2),
            // Cut, then NUL bytes to the end (a file written to a preallocated size): cut all the
            // same, in a string or between two tokens; NULs after a whole record are padding.
            (first + "\n" + second.prefix(40) + String(repeating: "\u{0}", count: 100), .partial, 1, 1),
            (first + "\n" + second.prefix(20) + String(repeating: "\u{0}", count: 3000), .partial, 1, 1),
            (first + "\n" + second.prefix(40) + "\u{0}\u{0}\n", .ok, 1, 1),
            (first + "\n" + second + String(repeating: "\u{0}", count: 100), .ok, 2, 0),
            // A record broken before its end, then NUL bytes: a broken record and padding.
            (first + "\n" + #"{"a": bad}"# + String(repeating: "\u{0}", count: 10), .ok, 1, 1),
            (first + "\n" + #"{"a": bad, "b": 1"# + String(repeating: "\u{0}", count: 10), .ok, 1, 1),
            // A JSON array is one reject whole (no record), and cut: its elements are not read as records.
            (first + "\n" + "[" + first + "," + second.prefix(40), .partial, 1, 1),
            (first + "\n" + "[" + first + "," + second + "]\n", .ok, 1, 1),
            // A Records file closed, then records after it: a cut among those is a cut.
            (#"{"Records":[]}"# + "\n" + first + "\n" + second.prefix(40), .partial, 1, 1),
            (#"{"Records":[]}"# + "\n" + first + "\n" + second, .ok, 2, 0),
        ]
        for (text, status, events, rejects) in cases {
            for chunk in [3, 17, 1 << 20] {
                let run = InMemoryRun(text: text, chunkSize: chunk)
                #expect(run.inputs.map(\.status) == [status], "\(text.suffix(24).debugDescription) chunk \(chunk)")
                #expect(run.inputs.first?.error == (status == .ok ? nil : StreamProcessor.cutLastRecord))
                #expect(run.inputs.map(\.events) == [events], "\(text.suffix(24).debugDescription)")
                if let rejects { #expect(run.rejects.count == rejects, "\(text.suffix(24).debugDescription)") }
            }
        }
    }

    @Test("a stream cut anywhere inside its last record and filled with NUL bytes to the end is partial; the NULs are padding")
    func cutThenNULs() {
        // Literals, escapes (a surrogate pair's too), 2- and 4-byte UTF-8, an array of objects and
        // a long number, in fields the decoder passes over.
        let first = Self.line(Self.nov1)
        let second = #"{"event_type":"_userauth.sign_in","x":{"t":true,"f":false,"n":null,"s":"a\"é\ud83d\ude00😀","l":[{"a":1}],"num":-12345678901234.5e-3},"event_timestamp":1793491200001,"endpoint":{"User":{"UserId":"u2"}}}"#
        #expect(InMemoryRun(text: first + "\n" + second).inputs.map(\.events) == [2])
        for style in ["\n", ""] {  // one per line, and back to back
            for cut in 1..<second.utf8.count {
                for zeros in [1, 64, 5000] {
                    let text = Array((first + style).utf8) + second.utf8.prefix(cut) + [UInt8](repeating: 0, count: zeros)
                    for chunk in [5, 1 << 20] where zeros == 64 || chunk > 5 {
                        let run = InMemoryRun([("test.ndjson", text)], chunkSize: chunk)
                        #expect(run.inputs.map(\.status) == [.partial], "cut \(cut) zeros \(zeros) chunk \(chunk) \(style.debugDescription)")
                        #expect(run.inputs.map(\.events) == [1], "cut \(cut) zeros \(zeros)")
                        #expect(run.inputs.first?.skipReasons[StreamProcessor.paddingReason] == 1, "cut \(cut) zeros \(zeros)")
                    }
                }
            }
        }
    }

    @Test("NUL bytes after damage or junk take no good record with them")
    func nulsAfterDamage() {
        func line(_ i: Int64) -> String { Self.line(Self.nov1 + i, user: "u\(i)") }
        let zeros = String(repeating: "\u{0}", count: 64)
        let cases: [(text: String, status: InputReport.Status, events: Int)] = [
            (line(0) + "\n" + #"{"a": bad}"# + line(1) + "\n" + zeros + line(2) + "\n", .ok, 3),
            (line(0) + line(1).prefix(50) + line(2) + String(repeating: "\u{0}", count: 4096), .ok, 2),
            (line(0) + "\n" + "hello " + line(1) + zeros, .ok, 2),
            (line(0) + "\n" + "null" + line(1) + zeros, .ok, 2),
            (line(0) + "\n" + #"{"a":{"b":1}"# + zeros + "\n" + line(2) + "\n", .ok, 2),
            (line(0) + "\n" + #"{"a":{"b":1}"# + zeros, .partial, 1),  // cut after an inner object, then zeros
            (line(0) + "\n" + "[" + line(1) + "," + line(2).prefix(40) + zeros, .partial, 1),  // a JSON array cut, then zeros
        ]
        for (text, status, events) in cases {
            for chunk in [3, 17, 1 << 20] {
                let run = InMemoryRun(text: text, chunkSize: chunk)
                #expect(run.inputs.map(\.status) == [status], "\(text.prefix(60).debugDescription) chunk \(chunk)")
                #expect(run.inputs.map(\.events) == [events], "\(text.prefix(60).debugDescription) chunk \(chunk)")
            }
        }
        // A record or junk broken before the NUL bytes that end the input: a reject without them,
        // and the NULs one padding skip, whether the input was framed as it came or only at its end
        // (a one-line file shorter than its first line's look is framed only then).
        for broken in [#"{"a": bad}"#, #"{"a": bad, "b": 1"#, "hello", "null"] {
            for before in ["", line(0) + "\n"] {
                for chunk in [3, 1 << 20] {
                    let run = InMemoryRun(text: before + broken + zeros, chunkSize: chunk)
                    #expect(run.inputs.map(\.status) == [.ok], "\(broken) chunk \(chunk)")
                    #expect(run.rejects.map(\.raw) == [Array(broken.utf8)], "\(broken) chunk \(chunk)")
                    #expect(run.inputs.first?.skipReasons == [StreamProcessor.paddingReason: 1], "\(broken) chunk \(chunk)")
                }
            }
        }
        // More NUL bytes after a cut than a record may be long: the damage is passed over as
        // it goes (memory stays bounded), the cut is not recognised (docs/reliability.md).
        let long = Array((line(0) + "\n" + line(1).prefix(60)).utf8) + [UInt8](repeating: 0, count: 5000)
        let run = InMemoryRun([("test.ndjson", long)], maxRecordBytes: 1024, chunkSize: 512)
        #expect(run.inputs.map(\.status) == [.ok])
        #expect(run.inputs.map(\.events) == [1])
        #expect(run.rejects.count == 1)
    }

    @Test("a CloudWatch Logs export that ends inside a line's timestamp, before its JSON, is partial")
    func cutInsideCloudWatchTimestamp() {
        let first = "2026-11-01T10:00:00.000Z " + Self.line(Self.nov1)
        let stamp = "2026-11-01T10:00:01.000Z {"
        var cases: [(text: String, status: InputReport.Status, events: Int, rejects: Int)] = (1..<stamp.count).map {
            (first + "\n" + stamp.prefix($0), .partial, 1, 1)
        }
        cases += [
            (first + "\n" + stamp, .partial, 1, 1),  // its `{` read: the record's scan runs open
            (first + "\n" + "2026-11-01T10:00:01.000Z\n", .ok, 1, 1),  // a whole line with no JSON: damage
            (first + "\n", .ok, 1, 0),
            // With no CloudWatch line before it, a short number at the end is junk, as `null` is;
            // a whole date is a cut timestamp.
            (Self.line(Self.nov1) + "\n" + "7", .ok, 1, 1),
            (Self.line(Self.nov1) + "\n" + "2026-11-01T1", .partial, 1, 1),
            // Cut, then NUL bytes to the end: the same.
            (first + "\n" + "2026-11-01T1" + String(repeating: "\u{0}", count: 64), .partial, 1, 1),
            (first + "\n" + "2026-11-01T10:00:01.000Z " + String(repeating: "\u{0}", count: 64), .partial, 1, 1),
        ]
        for (text, status, events, rejects) in cases {
            for chunk in [3, 1 << 20] {
                let run = InMemoryRun(text: text, chunkSize: chunk)
                #expect(run.inputs.map(\.status) == [status], "\(text.suffix(30).debugDescription) chunk \(chunk)")
                #expect(run.inputs.first?.error == (status == .ok ? nil : StreamProcessor.cutLastRecord))
                #expect(run.inputs.map(\.events) == [events], "\(text.suffix(30).debugDescription)")
                #expect(run.rejects.count == rejects, "\(text.suffix(30).debugDescription)")
            }
        }
    }

    @Test("a leading byte order mark is not a reject")
    func byteOrderMark() {
        let run = InMemoryRun(text: "\u{FEFF}" + Self.line(Self.nov1) + "\n")
        #expect(run.rejects.isEmpty)
        #expect(run.inputs.map(\.events) == [1])
    }

    @Test("512 NUL bytes before the records (copytruncate) are a counted skip, not an unknown empty input")
    func copytruncate() {
        let text = String(repeating: "\u{0}", count: 512) + Self.line(Self.nov1) + "\n" + Self.line(Self.nov1 + 1, client: "c2") + "\n"
        let run = InMemoryRun(text: text, chunkSize: 100)
        #expect(run.inputs.map(\.events) == [2])
        #expect(run.inputs.map(\.format) == ["pinpoint"])
        #expect(run.inputs.first?.skipReasons == [StreamProcessor.paddingReason: 1])
    }
}
