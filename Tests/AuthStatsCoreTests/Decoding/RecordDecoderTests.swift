import AuthStatsTestSupport
import Testing

@testable import AuthStatsCore

@Suite("RecordDecoder (Pinpoint)")
struct RecordDecoderTests {
    func event(_ text: String) -> Event? { decodedEvent(text) }

    func reason(_ text: String) -> String? {
        if case .rejected(let r) = decodeRecord(text) { return r }
        return nil
    }

    @Test(
        "event_type maps to the kinds of docs/metrics.md \"Kinds\"",
        arguments: [
            ("_userauth.sign_up", EventKind.signUp), ("_userauth.sign_in", .signIn),
            ("_userauth.auth_fail", .authFailure), ("_session.start", .session), ("_session.stop", .session),
            ("_session.pause", .session), ("_session.resume", .session), ("_monetization.purchase", .app),
            ("pageView", .app), ("_campaign.send", .other), ("_email.send", .other), ("_SMS.buffered", .other),
            ("_journey.send", .other), ("_userauth.unknown", .other), ("_", .other), ("_session.star", .other),
            ("_session.startX", .other), ("_monetization.", .app), ("_monetization", .other), ("session.start", .app),
        ])
    func kinds(type: String, kind: EventKind) {
        #expect(event(PinpointLine(type, at: 1).json)?.kind == kind)
        #expect(EventKind.pinpoint(eventType: type) == kind)
        // Written with an escape, the type is read the same (unescaped before it is classified).
        let escaped = PinpointLine(type, at: 1).json.replacingOccurrences(of: "\"event_type\":\"_", with: "\"event_type\":\"\\u005f")
        #expect(event(escaped)?.kind == kind)
        #expect(event(escaped)?.fingerprint == event(PinpointLine(type, at: 1).json)?.fingerprint)
    }

    @Test("activity kinds are sign-ups, sign-ins, session and app events")
    func activity() {
        #expect(EventKind.allCases.filter(\.isActivity) == [.signUp, .signIn, .session, .app])
    }

    @Test("the user is endpoint.User.UserId when non-empty, else client.client_id, else none")
    func userID() {
        #expect(event(PinpointLine("x", at: 1, user: "sub-1", client: "c").json)?.user == UserID("sub-1"))
        #expect(event(PinpointLine("x", at: 1, user: "", client: "c").json)?.user == UserID("c"))
        #expect(event(PinpointLine("x", at: 1, client: "c").json)?.user == UserID("c"))
        #expect(event(PinpointLine("x", at: 1, client: nil).json)?.user == nil)
    }

    @Test("dimensions: device first, then the embedded endpoint; platform lower-cased, locale ll_CC")
    func dimensions() throws {
        let fromDevice = try #require(event(
            #"{"event_type":"x","event_timestamp":1,"application":{"version_name":"2.1"},"device":{"locale":{"code":"en_gb","country":"GB"},"platform":{"name":"iOS"}},"endpoint":{"Demographic":{"Platform":"android","Locale":"fr_FR","AppVersion":"9"},"Location":{"Country":"FR"}}}"#))
        #expect(fromDevice.dimensions.values == ["ios", "en_GB", "2.1", "(unknown)", "GB", "pinpoint", "(unknown)", "(unknown)"])
        let fromEndpoint = try #require(event(
            #"{"event_type":"x","event_timestamp":1,"application":{"version_name":""},"device":{"platform":{}},"endpoint":{"Demographic":{"Platform":"Android","Locale":"fr-fr","AppVersion":"9"},"Location":{"Country":"FR"}}}"#))
        #expect(fromEndpoint.dimensions.values == ["android", "fr_FR", "9", "(unknown)", "FR", "pinpoint", "(unknown)", "(unknown)"])
        let bare = try #require(event(#"{"event_type":"x","event_timestamp":1}"#))
        #expect(bare.dimensions.values == ["(unknown)", "(unknown)", "(unknown)", "(unknown)", "(unknown)", "pinpoint", "(unknown)", "(unknown)"])
    }

    @Test("locale normalization", arguments: [
        ("en_us", "en_US"), ("EN-gb", "en_GB"), ("en_US", "en_US"), ("pt-br", "pt_BR"), ("ab_1x", "ab_1X"), ("de", "de"), ("zh_hant_tw", "zh_Hant_TW"), ("es_419", "es_419"),
        // Odd codes a review met (2026-12-07): empty parts kept, a codeset kept as written, only
        // the script and region places changed.
        ("_US", "_US"), ("-2", "_2"), ("-", "_"), ("en__US", "en__US"), ("en_US.UTF-8", "en_US.UTF-8"), ("C.UTF-8", "c.UTF-8"),
        ("de_DE@euro", "de_DE@euro"), ("de-DE-u-co-phonebk", "de_DE_u_co_phonebk"), ("sr-latn-rs", "sr_Latn_RS"), ("en-us-posix", "en_US_posix"),
        ("zh-hant", "zh_Hant"), ("", ""),
    ])
    func locale(input: String, expected: String) {
        #expect(RecordDecoder.normalizeLocale(input) == expected)
    }

    @Test("records without a usable event_timestamp or event_type are rejected with a reason")
    func rejects() {
        #expect(reason(#"{"event_type":"x"}"#) == "missing event_timestamp (a Pinpoint event stream record needs one)")
        #expect(reason(#"{"event_type":"x","event_timestamp":"1643673911400"}"#)
            == "event_timestamp is not an integer of epoch milliseconds: the string \"1643673911400\"")
        #expect(reason(#"{"event_type":"x","event_timestamp":1.5}"#)
            == "event_timestamp is not an integer of epoch milliseconds: 1.5")
        #expect(reason(#"{"event_type":"x","event_timestamp":null}"#)
            == "event_timestamp is not an integer of epoch milliseconds: null")
        #expect(reason(#"{"event_timestamp":1}"#) == "missing event_type")
        #expect(reason(#"{"event_type":"","event_timestamp":1}"#) == "event_type is empty")
        #expect(reason(#"{"event_type":5,"event_timestamp":1}"#) == "event_type is not a string: 5")
        #expect(reason(#"{"event_type":["_userauth.sign_in"],"event_timestamp":1}"#) == "event_type is not a string: an array")
        #expect(reason(#"{"event_type":null,"event_timestamp":1}"#) == "event_type is not a string: null")
        #expect(reason(#"[{"event_type":"x","event_timestamp":1}]"#) == "the record is a JSON array, not an object")
        #expect(event(#"{"event_type":"x","event_timestamp":1.6e12}"#)?.time == 1_600_000_000_000)
        // An id of another type would have moved the event to the device's id, or out of its
        // session (a review, 2026-12-07); null and none are no id, as before.
        #expect(reason(#"{"event_type":"x","event_timestamp":1,"client":{"client_id":"c"},"endpoint":{"User":{"UserId":12345}}}"#)
            == "endpoint.User.UserId is not a string: 12345")
        #expect(reason(#"{"event_type":"x","event_timestamp":1,"client":{"client_id":["c"]}}"#) == "client.client_id is not a string: an array")
        #expect(reason(#"{"event_type":"x","event_timestamp":1,"session":{"session_id":true}}"#) == "session.session_id is not a string: true")
        #expect(event(#"{"event_type":"x","event_timestamp":1,"client":{"client_id":"c"},"endpoint":{"User":{"UserId":null}}}"#)?.userName == "c")
        // A dimension of another type is read as missing: the event counts, under `(unknown)`.
        #expect(event(#"{"event_type":"x","event_timestamp":1,"application":{"version_name":2.1}}"#)?.dimensions.values[2] == "(unknown)")
    }

    /// Found by a review of the export quirks, 2026-12-07: each of these was read as missing,
    /// which moved the event to another day (`creationDate`) or kind (a failure a sign-in).
    @Test("activity log and CloudTrail: a time, kind, response or error of another type than text rejects the record")
    func activityAndTrailTypes() {
        func activity(_ stamp: String, type: String = #""SignIn""#, response: String = #""Pass""#) -> String {
            #"{"eventTimestamp":\#(stamp),"eventSource":"USER_ACTIVITY","message":{"eventId":"a","eventType":\#(type),"eventResponse":\#(response),"userSub":"u1","creationDate":"Mon Nov 02 10:00:00 UTC 2026"}}"#
        }
        #expect(reason(activity("1793527200000.5")) == "eventTimestamp is not epoch milliseconds: 1793527200000.5")
        #expect(reason(activity("true")) == "eventTimestamp is not epoch milliseconds: true")
        #expect(reason(activity("{}")) == "eventTimestamp is not epoch milliseconds: an object")
        #expect(event(activity("1793527200000"))?.time == 1_793_527_200_000)
        #expect(event(activity("null"))?.time == 1_793_613_600_000)  // none: the creation date
        #expect(event(activity(#""null""#))?.time == 1_793_613_600_000)
        #expect(reason(activity(#""1793527200000""#, type: "5")) == "message.eventType is not a string: 5")
        #expect(reason(activity(#""1793527200000""#, response: "true")) == "message.eventResponse is not a string: true")
        func trail(_ extra: String, sub: String = #""u3""#) -> String {
            #"{"eventTime":"2026-11-01T10:00:00Z","eventSource":"cognito-idp.amazonaws.com","eventName":"InitiateAuth","eventID":"c"\#(extra),"requestParameters":{"clientId":"app"},"additionalEventData":{"sub":\#(sub)}}"#
        }
        #expect(reason(trail(#","errorCode":400"#)) == "errorCode is not a string: 400")
        #expect(reason(trail(#","responseElements":{"challengeName":{"n":"SMS_MFA"}}"#)) == "responseElements.challengeName is not a string: an object")
        #expect(event(trail(#","errorCode":null"#))?.kind == .signIn)
        #expect(event(trail(#","errorCode":"NotAuthorizedException""#))?.kind == .authFailure)
        #expect(reason(#"{"eventTime":"2026-11-01T10:00:00Z","eventSource":"cognito-idp.amazonaws.com","eventName":"","eventID":"e"}"#) == "eventName is empty")
        // CloudTrail's placeholder names no user and no app client.
        let hidden = event(#"{"eventTime":"2026-11-01T10:00:00Z","eventSource":"cognito-idp.amazonaws.com","eventName":"InitiateAuth","eventID":"h","requestParameters":{"clientId":"HIDDEN_DUE_TO_SECURITY_REASONS"},"additionalEventData":{"sub":"HIDDEN_DUE_TO_SECURITY_REASONS"}}"#)
        #expect(hidden != nil && hidden?.userName == nil)
        #expect(hidden?.dimensions[.clientID] == "(unknown)")
        #expect(event(trail(""))?.userName == "u3")
    }

    /// Found by a review of formats.md §5, 2026-12-07: a trail's record without its time or
    /// name was "not a record authstats knows", a reason that sends one looking elsewhere.
    @Test("CloudTrail: a record missing its time, its name or its source is rejected for what it lacks")
    func trailMissingFields() {
        let time = #""eventTime":"2026-11-01T10:00:00Z""#, name = #""eventName":"InitiateAuth""#
        let source = #""eventSource":"cognito-idp.amazonaws.com""#, rest = #""eventID":"m","additionalEventData":{"sub":"u"}"#
        #expect(reason("{\(source),\(time),\(rest)}") == "missing eventName")
        #expect(reason("{\(source),\(name),\(rest)}") == "missing eventTime")
        #expect(reason("{\(source),\(name),\(rest),\"eventTime\":null}") == "eventTime is not a string: null")
        #expect(reason("{\(source),\(time),\(rest),\"eventName\":null}") == "eventName is not a string: null")
        #expect(reason("{\(time),\(name),\(rest)}") == "missing eventSource")
        #expect(reason("{\"eventSource\":null,\(time),\(name),\(rest)}") == "eventSource is not a string: null")
        // Another service's record is skipped, whatever it lacks; and with neither a time nor
        // a name, a source alone is no trail's record.
        #expect(reason(#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject"}"#) == nil)
        #expect(reason("{\(source),\(rest)}") == RecordDecoder.unknownRecord)
        // Stream records of other services (DynamoDB's, Kinesis's) are no trail's: of no known kind still.
        #expect(reason(#"{"eventSource":"aws:dynamodb","eventName":"INSERT","dynamodb":{}}"#) == RecordDecoder.unknownRecord)
        #expect(reason(#"{"eventSource":"aws:kinesis","eventName":"aws:kinesis:record","kinesis":{}}"#) == RecordDecoder.unknownRecord)
        #expect(event("{\(source),\(time),\(name),\(rest)}")?.kind == .signIn)
    }

    @Test("the dedup identity is (event_type, event_timestamp, client_id, session_id, user_id)")
    func fingerprint() {
        let a = event(PinpointLine("x", at: 1, user: "u", client: "c", session: "s").json)!.fingerprint
        #expect(event(PinpointLine("x", at: 1, user: "u", client: "c", session: "s", platform: "ios").json)!.fingerprint == a)
        #expect(event(PinpointLine("y", at: 1, user: "u", client: "c", session: "s").json)!.fingerprint != a)
        #expect(event(PinpointLine("x", at: 2, user: "u", client: "c", session: "s").json)!.fingerprint != a)
        #expect(event(PinpointLine("x", at: 1, user: "u", client: "d", session: "s").json)!.fingerprint != a)
        #expect(event(PinpointLine("x", at: 1, user: "u", client: "c", session: "t").json)!.fingerprint != a)
        #expect(event(PinpointLine("x", at: 1, user: "v", client: "c", session: "s").json)!.fingerprint != a)
    }
}
