import Testing

@testable import AuthStatsCore

@Suite("ShortText and InlineText: ids kept in place, longer ones beside")
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

    /// Ids as the decoders meet them, each side of the in-place capacity (48 bytes).
    static let ids = [
        "9846ded7-fad6-4d2a-a566-412b7c28005b", String(repeating: "b", count: 48), String(repeating: "c", count: 49),
        "user@example.com/" + String(repeating: "é", count: 40), String(repeating: "long session id ", count: 8),
    ]

    @Test("a Pinpoint record's ids, in place or longer, give the event, its user, fingerprint and session record the whole text")
    func pinpointIDs() throws {
        for user in Self.ids {
            for session in Self.ids {
                let line = #"{"event_type":"_session.start","event_timestamp":5,"client":{"client_id":"c-1"},"session":{"session_id":"\#(session)","start_timestamp":4},"endpoint":{"User":{"UserId":"\#(user)"}}}"#
                let event = try #require(decodedEvent(line))
                #expect(event.userName == user && event.sessionID == session && event.user == UserID(user))
                #expect(event.hasUser && event.sessionStart == 4)
                var expected = Fingerprint.Builder()
                for field in ["pinpoint", "_session.start"] { expected.add(field) }
                expected.add(Int64(5))
                for field in ["c-1", session, user] { expected.add(field) }
                #expect(event.fingerprint == expected.fingerprint)
                // The session record holds the whole texts; its key is the session id's hash.
                var bytes: [UInt8] = []
                SessionRecord.encode(event, position: 7, into: &bytes)
                try bytes.withUnsafeBytes { raw in
                    let view = try #require(SessionRecordView(raw))
                    #expect(view.user == user && view.texts.2 == session)
                    let reference = Event(time: 5, source: .pinpoint, kind: .session, user: user, fingerprint: event.fingerprint,
                                          sessionID: session, dimensions: DimensionValues())
                    #expect(view.sessionKey == SessionRecord.sessionKey(of: reference))
                }
                // A copy shares the box of long ids; changing the copy leaves the original.
                var copy = event
                copy.userName = "other"
                copy.sessionID = nil
                #expect(event.userName == user && event.sessionID == session)
                #expect(copy.userName == "other" && copy.sessionID == nil && copy.user == event.user)
            }
        }
        // No user id: the client id stands for the user; no session id: none.
        let anonymous = try #require(decodedEvent(#"{"event_type":"pageView","event_timestamp":5,"client":{"client_id":"\#(Self.ids[3])"}}"#))
        #expect(anonymous.userName == Self.ids[3] && anonymous.sessionID == nil && anonymous.sessionStart == nil)
    }

    @Test("activity and CloudTrail records: long subs read whole; an activity sub of \"null\", escaped or not, is none")
    func activityAndTrailIDs() throws {
        for sub in Self.ids {
            let activity = try #require(decodedEvent(activityRecord("SignIn", "Pass", sub: sub)))
            #expect(activity.userName == sub && activity.user == UserID(sub))
            let noEventID = try #require(decodedEvent(activityRecord("SignIn", "Pass", sub: sub, eventID: "null")))
            #expect(noEventID.fingerprint == Fingerprint.of("cognito-activity", id: nil) {
                ["SignIn", "Pass", String(noEventID.time), sub, "4abc123exampleclientid"]
            })
            let trail = try #require(decodedEvent(trailRecord("InitiateAuth", sub: sub)))
            #expect(trail.userName == sub && trail.user == UserID(sub))
            // Without an event id, the fingerprint is made of the fields, the whole sub among them.
            let noID = try #require(decodedEvent(trailRecord("InitiateAuth", sub: sub, eventID: "")))
            #expect(noID.fingerprint == Fingerprint.of("cloudtrail", id: nil) { ["InitiateAuth", String(noID.time), sub, ""] })
        }
        for null in ["null", #"n\u0075ll"#] {
            let event = try #require(decodedEvent(activityRecord("SignIn", "Pass", sub: null)))
            #expect(event.user == nil && !event.hasUser)
        }
    }
}
