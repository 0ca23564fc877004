import AuthStatsTestSupport
import Testing

@testable import AuthStatsCore

/// Builds a CloudTrail record of a user-pool call with the fields of docs/inputs.md "CloudTrail"
/// (by default a public client's `InitiateAuth`, its `authParameters` hidden).
func trailRecord(
    _ name: String, time: String = "2024-05-02T07:57:09Z", source: String = "cognito-idp.amazonaws.com",
    error: String? = nil, errorJSON: String? = nil, sub: String? = "sub-1", responseElements: String = "null",
    requestParameters: String = #"{"authFlow":"USER_PASSWORD_AUTH","authParameters":"HIDDEN_DUE_TO_SECURITY_REASONS","clientId":"3n4exampleclientid9"}"#,
    additional: String? = nil, eventID: String = "aa11bb22-cc33-dd44-ee55-ff6677889900", eventType: String = "AwsApiCall"
) -> String {
    var s = #"{"eventVersion":"1.10","userIdentity":{"accountId":"111122223333"},"eventTime":"\#(time)","eventSource":"\#(source)","eventName":"\#(name)","awsRegion":"eu-central-1","#
    if let error { s += #""errorCode":"\#(error)","errorMessage":"Incorrect username or password.","# }
    if let errorJSON { s += #""errorCode":\#(errorJSON),"# }
    s += #""requestParameters":\#(requestParameters),"responseElements":\#(responseElements),"#
    if let additional {
        s += #""additionalEventData":\#(additional),"#
    } else if let sub {
        s += #""additionalEventData":{"sub":"\#(sub)"},"#
    }
    s += #""requestID":"1c2d3e4f","eventID":"\#(eventID)","readOnly":false,"eventType":"\#(eventType)","managementEvent":true}"#
    return s
}

func decodeRecord(_ text: String) -> RecordDecoder.Outcome {
    var scanner = JSONScanner(schema: RecordDecoder.schema)
    let bytes = Array(text.utf8)
    return bytes.withUnsafeBytes { raw in
        guard case .complete(let end) = scanner.scan(raw) else { fatalError("not JSON: \(text)") }
        return RecordDecoder().decode(raw, range: 0..<end, fields: scanner.fields)
    }
}

func decodedEvent(_ text: String) -> Event? {
    if case .event(let event, _) = decodeRecord(text) { return event }
    return nil
}

@Suite("CloudTrail records (docs/metrics.md \"Kinds\", CloudTrail column)")
struct CloudTrailDecoderTests {
    @Test(
        "operations map to kinds",
        arguments: [
            (trailRecord("InitiateAuth"), EventKind.signIn),
            (trailRecord("AdminInitiateAuth"), .signIn),
            (trailRecord("RespondToAuthChallenge"), .signIn),
            (trailRecord("AdminRespondToAuthChallenge", error: "CodeMismatchException"), .authFailure),
            (trailRecord("InitiateAuth", error: "NotAuthorizedException"), .authFailure),
            (trailRecord("InitiateAuth", responseElements: #"{"challengeName":"PASSWORD_VERIFIER","session":"HIDDEN_DUE_TO_SECURITY_REASONS"}"#), .authStep),
            (trailRecord("InitiateAuth", responseElements: #"{"challengeName":"","authenticationResult":{}}"#), .signIn),
            (trailRecord("SignUp", sub: nil, responseElements: #"{"userConfirmed":false,"userSub":"new-sub"}"#), .signUp),
            (trailRecord("SignUp", error: "UsernameExistsException"), .account),
            (trailRecord("ConfirmSignUp"), .account), (trailRecord("ForgotPassword"), .account),
            (trailRecord("ConfirmForgotPassword"), .account), (trailRecord("ResendConfirmationCode"), .account),
            (trailRecord("GetUser"), .other), (trailRecord("AdminCreateUser"), .other),
            (trailRecord("Login_GET", sub: nil, eventType: "AwsServiceEvent"), .other),
            (trailRecord("Token_POST", error: "", sub: nil, eventType: "AwsServiceEvent"), .other),
        ])
    func kinds(record: String, kind: EventKind) {
        #expect(decodedEvent(record)?.kind == kind)
    }

    @Test("errorCode missing, empty or null is success")
    func errorCodes() {
        #expect(decodedEvent(trailRecord("InitiateAuth"))?.kind == .signIn)
        #expect(decodedEvent(trailRecord("InitiateAuth", error: ""))?.kind == .signIn)
        #expect(decodedEvent(trailRecord("InitiateAuth", errorJSON: "null"))?.kind == .signIn)
    }

    @Test("an SRP sign-in (challenge step, then the answer with tokens) counts one sign-in")
    func srp() {
        let step = trailRecord("InitiateAuth", responseElements: #"{"challengeName":"PASSWORD_VERIFIER"}"#, eventID: "e1")
        let answer = trailRecord("RespondToAuthChallenge", responseElements: #"{"authenticationResult":{"accessToken":"HIDDEN_DUE_TO_SECURITY_REASONS"}}"#, eventID: "e2")
        let kinds = [step, answer].compactMap { decodedEvent($0)?.kind }
        #expect(kinds.filter { $0 == .signIn }.count == 1)
        #expect(kinds == [.authStep, .signIn])
    }

    @Test("a failed InitiateAuth whose authParameters is a redacted string counts one failure")
    func redacted() throws {
        let event = try #require(decodedEvent(trailRecord("InitiateAuth", error: "NotAuthorizedException")))
        #expect(event.kind == .authFailure)
        #expect(event.user == UserID("sub-1"))
        #expect(event.dimensions[.clientID] == "3n4exampleclientid9")
    }

    @Test("UserNotFoundException without a sub counts a failure and no user")
    func unknownUser() throws {
        let event = try #require(decodedEvent(trailRecord("InitiateAuth", error: "UserNotFoundException", sub: nil)))
        #expect(event.kind == .authFailure)
        #expect(event.user == nil)
    }

    @Test("user from additionalEventData.sub, else responseElements.userSub; time from eventTime")
    func userAndTime() throws {
        let signUp = try #require(decodedEvent(trailRecord("SignUp", sub: nil, responseElements: #"{"userSub":"new-sub"}"#)))
        #expect(signUp.user == UserID("new-sub"))
        #expect(signUp.time == 1_714_636_629_000)
        #expect(signUp.source == .cloudtrail)
        #expect(signUp.dimensions.values == ["(unknown)", "(unknown)", "(unknown)", "3n4exampleclientid9", "(unknown)", "cloudtrail", "(unknown)", "(unknown)"])
    }

    @Test("the hosted UI's client id is additionalEventData.requestParameters.client_id[0]")
    func hostedUIClient() throws {
        let additional = #"{"responseParameters":{"status":302},"requestParameters":{"client_id":["hosted-client"],"response_type":["code"]},"userPoolId":"eu-central-1_AbCdEf123"}"#
        let event = try #require(decodedEvent(trailRecord("Login_GET", requestParameters: "null", additional: additional, eventType: "AwsServiceEvent")))
        #expect(event.dimensions[.clientID] == "hosted-client")
        #expect(event.user == nil)
    }

    @Test("duplicates are the same eventID")
    func dedup() {
        let a = decodedEvent(trailRecord("InitiateAuth", eventID: "same"))!.fingerprint
        let b = decodedEvent(trailRecord("InitiateAuth", time: "2024-05-02T08:00:00Z", eventID: "same"))!.fingerprint
        let c = decodedEvent(trailRecord("InitiateAuth", eventID: "other"))!.fingerprint
        #expect(a == b)
        #expect(a != c)
    }

    @Test("one decoder, records of a dozen services interleaved: each skipped with its own service's reason")
    func serviceReasons() {
        let services = (0..<12).map { "service\($0).amazonaws.com" }
        var decoder = RecordDecoder()
        var scanner = JSONScanner(schema: RecordDecoder.schema)
        var random = SeededRandom(seed: 3)
        var event = Event.blank
        func reason(_ text: String) -> String? {
            let bytes = Array(text.utf8)
            return bytes.withUnsafeBytes { raw -> String? in
                guard case .complete(let end) = scanner.scan(raw) else { return nil }
                guard case .skipped(.cloudTrail, let reason) = decoder.decode(raw, range: 0..<end, fields: scanner.fields, profiles: nil, into: &event) else { return nil }
                return reason
            }
        }
        for _ in 0..<400 {
            let service = services[random.below(random.below(2) == 0 ? 3 : services.count)]
            #expect(reason(trailRecord("GetObject", source: service)) == "a CloudTrail record of \(service)")
        }
        // Written with an escape, and the same service as written plainly: one reason.
        #expect(reason(trailRecord("GetObject", source: #"s3.amazon\u0061ws.com"#)) == "a CloudTrail record of s3.amazonaws.com")
        #expect(reason(trailRecord("GetObject", source: "s3.amazonaws.com")) == "a CloudTrail record of s3.amazonaws.com")
        // No source to name.
        #expect(reason(trailRecord("GetObject", source: "")) == "a CloudTrail record of another service")
        // A source that reads as no service name is not repeated: it is the log's, and went to
        // the page and summary.json as it came (an address, 100 KB, 20,000 distinct values).
        let noName = "a CloudTrail record of another service (its eventSource is no service name)"
        for source in ["ann@example.com", "+44 20 7946 0958", String(repeating: "a", count: 101), "s3 amazonaws com", "<b>x</b>"] {
            #expect(reason(trailRecord("GetObject", source: source)) == noName, "\(source)")
        }
        let longest = String(repeating: "a", count: 86) + ".amazonaws.com"
        #expect(reason(trailRecord("GetObject", source: longest)) == "a CloudTrail record of \(longest)")
        #expect(reason(trailRecord("GetObject", source: "AWS_Internal-1.example")) == "a CloudTrail record of AWS_Internal-1.example")
        // A Cognito record between them is still an event.
        #expect(reason(trailRecord("InitiateAuth")) == nil)
    }

    @Test("the operations, written with escapes too, make the kinds they make written plainly")
    func escapedOperation() {
        #expect(decodedEvent(trailRecord(#"Initiate\u0041uth"#))?.kind == .signIn)
        #expect(decodedEvent(trailRecord(#"\u0053ignUp"#))?.kind == .signUp)
        #expect(decodedEvent(trailRecord(#"ForgotP\u0061ssword"#))?.kind == .account)
        #expect(decodedEvent(trailRecord("InitiateAuthX"))?.kind == .other)
        #expect(decodedEvent(trailRecord("SignU"))?.kind == .other)
    }

    @Test("records of other services and Insights events are skipped, not rejected")
    func skipped() {
        guard case .skipped(.cloudTrail, let reason) = decodeRecord(trailRecord("GetObject", source: "s3.amazonaws.com")) else {
            Issue.record("an S3 record was not skipped")
            return
        }
        #expect(reason == "a CloudTrail record of s3.amazonaws.com")
        guard case .skipped(.cloudTrail, _) = decodeRecord(trailRecord("InitiateAuth", eventType: "AwsCloudTrailInsight")) else {
            Issue.record("an Insights event was not skipped")
            return
        }
        // An Insights event as CloudTrail writes it (its source and name only in insightDetails),
        // and one with another service's source at the top: skipped as Insights events (the first
        // was rejected as no record authstats knows, the second skipped as an ssm record).
        let insights = [
            #"{"eventVersion":"1.07","eventTime":"2026-11-01T02:51:00Z","awsRegion":"us-east-1","eventID":"654ccbda","eventType":"AwsCloudTrailInsight","recipientAccountId":"123456789012","sharedEventID":"bcbf","insightDetails":{"state":"Start","eventSource":"cognito-idp.amazonaws.com","eventName":"InitiateAuth","insightType":"ApiCallRateInsight"},"eventCategory":"Insight"}"#,
            #"{"eventVersion":"1.07","eventTime":"2026-11-01T02:51:00Z","eventSource":"ssm.amazonaws.com","eventName":"GetParameter","eventID":"x","eventType":"AwsCloudTrailInsight","insightDetails":{"state":"End"},"eventCategory":"Insight"}"#,
        ]
        for record in insights {
            guard case .skipped(.cloudTrail, let why) = decodeRecord(record), why == "a CloudTrail Insights event" else {
                Issue.record("not skipped as an Insights event: \(decodeRecord(record))")
                continue
            }
        }
    }

    @Test("a bad eventTime is rejected with the value")
    func badTime() {
        guard case .rejected(let reason) = decodeRecord(trailRecord("InitiateAuth", time: "yesterday")) else {
            Issue.record("not rejected")
            return
        }
        #expect(reason == "eventTime is not an ISO 8601 time: \"yesterday\"")
    }

    @Test("ISO 8601 times: fractions and offsets")
    func iso() {
        #expect(Timestamps.iso8601("2024-05-02T07:57:09Z") == 1_714_636_629_000)
        #expect(Timestamps.iso8601("2024-05-02T07:57:09.5Z") == 1_714_636_629_500)
        #expect(Timestamps.iso8601("2024-05-02T07:57:09.123456Z") == 1_714_636_629_123)
        #expect(Timestamps.iso8601("2024-05-02T09:57:09+02:00") == 1_714_636_629_000)
        #expect(Timestamps.iso8601("2024-05-02T07:57:09") == 1_714_636_629_000)
        #expect(Timestamps.iso8601("2024-13-02T07:57:09Z") == nil)
        #expect(Timestamps.iso8601("2024-05-02T07:57:09Zjunk") == nil)
        // An offset is a time of day (`+99:99` was read as 4 days and more).
        #expect(Timestamps.iso8601("2026-03-05T10:00:00+99:99") == nil)
        #expect(Timestamps.iso8601("2026-03-05T10:00:00+23:60") == nil)
        #expect(Timestamps.iso8601("2026-03-05T10:00:00-2400") == nil)
        #expect(Timestamps.iso8601("2026-03-05T10:00:00+23:59") == Timestamps.iso8601("2026-03-04T10:01:00Z"))
    }

    /// The read before the fixed part went straight-line (a loop of digits a field, each an
    /// optional): what the fast read must still give.
    static func plainISO8601(_ text: String) -> Int64? {
        let c = Array(text.utf8)
        func digits(_ from: Int, _ count: Int) -> Int64? {
            var value: Int64 = 0
            for i in from..<from + count {
                guard c[i] >= 0x30 && c[i] <= 0x39 else { return nil }
                value = value * 10 + Int64(c[i] - 0x30)
            }
            return value
        }
        guard c.count >= 19, c[4] == 0x2D, c[7] == 0x2D, c[10] == 0x54 || c[10] == 0x20, c[13] == 0x3A, c[16] == 0x3A,
            let year = digits(0, 4), let month = digits(5, 2), let dayOfMonth = digits(8, 2),
            (1...12).contains(month), dayOfMonth >= 1, dayOfMonth <= Int64(Day.daysIn(year: Int(year), month: Int(month))),
            let h = digits(11, 2), let m = digits(14, 2), let s = digits(17, 2), h < 24, m < 60, s < 61
        else { return nil }
        let day = Day(year: Int(year), month: Int(month), day: Int(dayOfMonth))
        var i = 19
        var millis: Int64 = 0
        if i < c.count && c[i] == 0x2E {
            i += 1
            var count = 0
            while i < c.count, c[i] >= 0x30 && c[i] <= 0x39 {
                if count < 3 { millis = millis * 10 + Int64(c[i] - 0x30) }
                count += 1
                i += 1
            }
            guard count > 0 else { return nil }
            if count < 3 { for _ in count..<3 { millis *= 10 } }
        }
        var offset: Int64 = 0
        if i < c.count {
            if c[i] == 0x5A && i == c.count - 1 {
                offset = 0
            } else if (c[i] == 0x2B || c[i] == 0x2D) && (c.count - i == 6 && c[i + 3] == 0x3A || c.count - i == 5) {
                let minutesAt = c.count - i == 6 ? i + 4 : i + 3
                guard let oh = digits(i + 1, 2), let om = digits(minutesAt, 2), oh < 24, om < 60 else { return nil }
                offset = (oh * 60 + om) * 60_000 * (c[i] == 0x2D ? -1 : 1)
            } else {
                return nil
            }
        }
        return Int64(day.index) * 86_400_000 + ((h * 60 + m) * 60 + s) * 1000 + millis - offset
    }

    @Test("ISO 8601 times read in straight lines equal the plain read: every byte of the fixed part changed, leap days, month ends")
    func isoAgainstPlain() {
        var random = SeededRandom(seed: 8601)
        func pad(_ v: UInt64, _ width: Int) -> String {
            let text = String(v)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        var texts: [String] = []
        for _ in 0..<3_000 {
            // Fields near and past their bounds: months 0-13, days 0-32, hours 0-25, ...
            let date = "\(pad(1_900 + random.next() % 300, 4))-\(pad(random.next() % 14, 2))-\(pad(random.next() % 33, 2))"
            let time = "\(pad(random.next() % 26, 2)):\(pad(random.next() % 62, 2)):\(pad(random.next() % 63, 2))"
            let fraction = ["", ".5", ".12", ".123", ".123456", "."][Int(random.next() % 6)]
            let zone = ["Z", "", "+02:00", "-0530", "+2:00", "Zjunk", "+23:59", "+24:00", "-0960", "+99:99"][Int(random.next() % 10)]
            texts.append(date + (random.next() % 8 == 0 ? " " : "T") + time + fraction + zone)
        }
        texts += ["2024-02-29T00:00:00Z", "2023-02-29T00:00:00Z", "2000-02-29T23:59:60Z", "1900-02-29T00:00:00Z", "2026-04-31T00:00:00Z"]
        // Every byte of the fixed part replaced by the bytes around the digits and separators.
        let base = Array("2026-01-31T23:59:59.999Z".utf8)
        for place in 0..<19 {
            for byte: UInt8 in [0x00, 0x20, 0x2D, 0x2F, 0x30, 0x39, 0x3A, 0x54, 0x5A, 0x7F, 0x80, 0xC6, 0xFF, 0xFA] {
                var changed = base
                changed[place] = byte
                texts.append(String(decoding: changed, as: UTF8.self))
            }
        }
        for text in texts {
            #expect(Timestamps.iso8601(text) == Self.plainISO8601(text), "\(text)")
        }
        #expect(texts.contains { Timestamps.iso8601($0) != nil } && texts.contains { Timestamps.iso8601($0) == nil })
    }
}

/// `StreamProcessor.recentSkips`: reasons are counted in a few slots and added to the report
/// when a slot is needed for another reason and when the stream ends.
@Suite("Skipped records' reasons: more reasons than slots, interleaved")
struct SkipReasonSlotTests {
    @Test("12 services interleaved: every skip counted once, evicted or not, ending cleanly or with an error")
    func manyReasons() {
        var text = ""
        var expected: [String: Int] = [:]
        for round in 0..<5 {
            for service in 0..<12 where (service + round) % 3 != 0 {
                let source = "svc\(service).amazonaws.com"
                text += trailRecord("Do", source: source, eventID: "e\(round)-\(service)") + "\n"
                expected["a CloudTrail record of \(source)", default: 0] += 1
            }
        }
        let run = InMemoryRun([("trail.json", Array(text.utf8))], chunkSize: 97)
        #expect(run.inputs.first?.skipReasons == expected)
        #expect(run.inputs.first?.skipped == expected.values.reduce(0, +))

        // A stream that ends with an error counts what it skipped too.
        let configuration = Analysis.Configuration(timeZone: "UTC", from: nil, to: nil)!
        let analysis = Analysis(configuration: configuration, rejects: RejectCollector(), spill: nil, directory: UserDirectory())
        let stream = analysis.beginStream(path: "t", member: nil, compression: "none", container: nil)
        Array(text.utf8).withUnsafeBytes { stream.read(bytes: $0) }
        stream.end(error: "cut")
        #expect(analysis.inputs.first?.skipReasons == expected)
    }
}
