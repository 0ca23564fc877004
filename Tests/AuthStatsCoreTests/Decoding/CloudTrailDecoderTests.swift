import Testing
import AuthStatsTestSupport

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
    }
}
