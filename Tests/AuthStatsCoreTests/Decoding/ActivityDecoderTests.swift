import Testing

@testable import AuthStatsCore

/// Builds a user activity record shaped like the example in docs/inputs.md "Cognito user
/// activity log" (every value a string).
func activityRecord(
    _ type: String, _ response: String, timestamp: String? = "1718640000123", sub: String = "5b1f0c2d-sub",
    idp: String = "", country: String = "Ireland", eventID: String = "0c7e2a9e-1b2c", creationDate: String = "Mon Jun 17 16:00:00 UTC 2024",
    source: String = "USER_ACTIVITY"
) -> String {
    var s = "{"
    if let timestamp { s += #""eventTimestamp":"\#(timestamp)","# }
    s += #""eventSource":"\#(source)","logLevel":"INFO","message":{"version":"1","eventId":"\#(eventID)","eventType":"\#(type)","#
    s += #""userSub":"\#(sub)","userName":"jdoe","userPoolId":"eu-west-1_AbCdEf123","clientId":"4abc123exampleclientid","#
    s += #""creationDate":"\#(creationDate)","eventResponse":"\#(response)","riskLevel":"Low","riskDecision":"PASS","challenges":[],"#
    s += #""deviceName":"Safari 17, iOS 17","ipAddress":"198.51.100.7","idpName":"\#(idp)","compromisedCredentialDetected":"false","#
    s += #""city":"null","country":"\#(country)","hasContextData":"true"},"logSourceId":{"userPoolId":"eu-west-1_AbCdEf123"}}"#
    return s
}

@Suite("Cognito user activity records (docs/metrics.md \"Kinds\", activity log column)")
struct ActivityDecoderTests {
    @Test(
        "eventType / eventResponse map to kinds",
        arguments: [
            ("SignIn", "Pass", EventKind.signIn), ("SignIn", "Fail", .authFailure), ("SignIn", "InProgress", .authStep),
            ("SignUp", "Pass", .signUp), ("SignUp", "Fail", .account), ("SignUp", "InProgress", .account),
            ("ForgotPassword", "Pass", .account), ("PasswordChange", "Pass", .account), ("ResendCode", "Pass", .account),
        ])
    func kinds(type: String, response: String, kind: EventKind) {
        #expect(decodedEvent(activityRecord(type, response))?.kind == kind)
    }

    @Test("user, time, client, country and user type")
    func fields() throws {
        let event = try #require(decodedEvent(activityRecord("SignIn", "Pass")))
        #expect(event.user == UserID("5b1f0c2d-sub"))
        #expect(event.time == 1_718_640_000_123)
        #expect(event.source == .cognitoActivity)
        #expect(event.dimensions.values == ["(unknown)", "(unknown)", "(unknown)", "4abc123exampleclientid", "Ireland", "cognito-activity", "local", "(unknown)"])
        #expect(decodedEvent(activityRecord("SignIn", "Pass", idp: "Google"))?.dimensions[.userType] == "federated")
        #expect(decodedEvent(activityRecord("SignIn", "Pass", country: "null"))?.dimensions[.country] == "(unknown)")
    }

    @Test("without eventTimestamp, the time is message.creationDate")
    func creationDate() {
        #expect(decodedEvent(activityRecord("SignIn", "Pass", timestamp: nil, creationDate: "Wed Jul 17 17:25:55 UTC 2024"))?.time
            == 1_721_237_155_000)
        #expect(decodedEvent(activityRecord("SignIn", "Pass", timestamp: "null", creationDate: "Wed Jul 17 17:25:55 UTC 2024"))?.time
            == 1_721_237_155_000)
        guard case .rejected(let reason) = decodeRecord(activityRecord("SignIn", "Pass", timestamp: nil, creationDate: "someday")) else {
            Issue.record("not rejected")
            return
        }
        #expect(reason == "no eventTimestamp, and message.creationDate is not a date like \"Wed Jul 17 17:25:55 UTC 2024\": \"someday\"")
    }

    @Test("a non-numeric eventTimestamp is rejected")
    func badTimestamp() {
        guard case .rejected(let reason) = decodeRecord(activityRecord("SignIn", "Pass", timestamp: "12:00")) else {
            Issue.record("not rejected")
            return
        }
        #expect(reason == "eventTimestamp is not epoch milliseconds: \"12:00\"")
    }

    /// The time, the type and the response are read as bytes where they lie: the same
    /// answers as through `String`s (`Int64(_:)`, `==`), escapes and edges included.
    @Test("eventTimestamp read as Int64(_:) reads a String: signs, bounds, escapes; a rejected one is named", arguments: [
        ("1718640000123", Int64?.some(1_718_640_000_123)), ("+1718640000123", 1_718_640_000_123), ("-5", -5), ("0", 0),
        ("9223372036854775807", .max), ("-9223372036854775808", .min), ("9223372036854775808", nil), ("-9223372036854775809", nil),
        (#"\u0031718640000123"#, 1_718_640_000_123), ("+", nil), ("-", nil), ("12 ", nil), (" 12", nil), ("1e3", nil), ("١٢", nil),
    ] as [(String, Int64?)])
    func timestampBytes(text: String, expected: Int64?) {
        let decoded = decodeRecord(activityRecord("SignIn", "Pass", timestamp: text))
        if let expected {
            #expect(decodedEvent(activityRecord("SignIn", "Pass", timestamp: text))?.time == expected, "\(text)")
        } else {
            guard case .rejected(let reason) = decoded else {
                Issue.record("\(text) not rejected")
                return
            }
            #expect(reason == "eventTimestamp is not epoch milliseconds: \"\(text)\"", "\(reason)")
        }
    }

    @Test("escaped type and response compare unescaped; \"null\" and unknown responses are neither sign-ins nor failures; parity by type")
    func typeBytes() {
        #expect(decodedEvent(activityRecord(#"Sign\u0049n"#, #"P\u0061ss"#))?.kind == .signIn)
        #expect(decodedEvent(activityRecord("SignIn", "null"))?.kind == .other)
        #expect(decodedEvent(activityRecord("SignIn", "Passed"))?.kind == .other)
        #expect(decodedEvent(activityRecord("SignIn", "pass"))?.kind == .other)
        #expect(decodedEvent(activityRecord("SignInX", "Pass"))?.kind == .account)
        #expect(decodedEvent(activityRecord("SignU", "Pass"))?.kind == .account)
        guard case .rejected(let reason) = decodeRecord(activityRecord("null", "Pass")) else {
            Issue.record("a \"null\" eventType not rejected")
            return
        }
        #expect(reason == "missing message.eventType")
        // An escaped "null" is "null": no time (the creation date then), no type, no identity provider.
        #expect(decodedEvent(activityRecord("SignIn", "Pass", timestamp: #"nul\u006c"#, creationDate: "Wed Jul 17 17:25:55 UTC 2024"))?.time
            == 1_721_237_155_000)
        guard case .rejected("missing message.eventType") = decodeRecord(activityRecord(#"\u006eull"#, "Pass")) else {
            Issue.record("an escaped \"null\" eventType not rejected")
            return
        }
        #expect(decodedEvent(activityRecord("SignIn", "Pass", idp: #"nul\u006c"#))?.parity == .received)
        #expect(decodedEvent(activityRecord(#"Forgot\u0050assword"#, "Pass"))?.parity == .received)
        #expect(decodedEvent(activityRecord("ResendCode", "Fail"))?.parity == .received)
        #expect(decodedEvent(activityRecord("SignUp", "Fail"))?.parity == .received)
        #expect(decodedEvent(activityRecord("PasswordChange", "Pass"))?.parity == .otherOperation)
        #expect(decodedEvent(activityRecord("SignIn", "Pass", idp: "null"))?.parity == .received)
        #expect(decodedEvent(activityRecord("SignIn", "Pass", idp: "Google"))?.parity == .federatedUser)
    }

    @Test("duplicates are the same message.eventId")
    func dedup() {
        let a = decodedEvent(activityRecord("SignIn", "Pass", eventID: "x"))!.fingerprint
        #expect(decodedEvent(activityRecord("SignIn", "Pass", timestamp: "1718640009999", eventID: "x"))!.fingerprint == a)
        #expect(decodedEvent(activityRecord("SignIn", "Pass", eventID: "y"))!.fingerprint != a)
    }

    @Test("notification logs are skipped")
    func notification() {
        guard case .skipped(.cognitoActivity, _) = decodeRecord(#"{"eventTimestamp":"1718640000123","eventSource":"USER_NOTIFICATION","logLevel":"ERROR","message":{"details":"SMS failed"},"logSourceId":{"userPoolId":"p"}}"#) else {
            Issue.record("not skipped")
            return
        }
        // One with the activity log's fields too (a message.eventType): still a notification,
        // not an event (it was counted as one).
        let withType = #"{"eventTimestamp":"1793528405123","eventSource":"USER_NOTIFICATION","logLevel":"INFO","message":{"eventType":"SignIn","eventResponse":"Pass"}}"#
        guard case .skipped(.cognitoActivity, let reason) = decodeRecord(withType), reason == "a Cognito user notification log record" else {
            Issue.record("not skipped: \(decodeRecord(withType))")
            return
        }
    }

    @Test("other objects: digests and Firehose errors are skipped, unknown shapes rejected")
    func others() {
        guard case .skipped(.cloudTrailDigest, _) = decodeRecord(#"{"awsAccountId":"1","digestStartTime":"2024-01-01T00:00:00Z","logFiles":[]}"#) else {
            Issue.record("digest not skipped")
            return
        }
        guard case .skipped(.firehoseError, _) = decodeRecord(#"{"attemptsMade":4,"arrivalTimestamp":1,"errorCode":"S3.AccessDenied","errorMessage":"x","rawData":"eyJ9"}"#) else {
            Issue.record("Firehose error not skipped")
            return
        }
        guard case .rejected = decodeRecord(#"{"hello":"world"}"#) else {
            Issue.record("an unknown object was not rejected")
            return
        }
    }
}
