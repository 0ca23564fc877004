import AuthStatsCore

/// Builds one Pinpoint event-stream record (event_version 3.1, with the embedded endpoint), in
/// the field order of the real export (the altis sample of `docs/inputs.md` "Pinpoint event
/// stream").
struct PinpointRecord {
    static let appID = "0123456789abcdef0123456789abcdef"

    /// The Pinpoint record of a simulated event; auth events carry the session they happen in,
    /// as the app's analytics client records them.
    init(_ event: SimulatedEvent, user: GeneratedUser, arrival: Int64, sparseDevice: Bool) {
        let type: String
        switch event.action {
        case .sessionStart: type = "_session.start"
        case .sessionStop: type = "_session.stop"
        case .signUp: type = "_userauth.sign_up"
        case .signIn: type = "_userauth.sign_in"
        case .authFailure: type = "_userauth.auth_fail"
        case .forgotPassword: type = "_custom.forgot_password"
        case .custom(let name): type = name
        }
        self.init(
            type: type, time: event.time, arrival: arrival, user: user, device: event.device,
            sessionID: event.sessionID, sessionStart: event.sessionStart, sessionStop: event.sessionStop,
            sparseDevice: sparseDevice,
            attributes: type.hasPrefix("_") ? [] : [("screen", type == "search" ? "search" : "home"), ("plan", user.plan)])
    }

    init(type: String, time: Int64, arrival: Int64, user: GeneratedUser, device: Int, sessionID: String?,
         sessionStart: Int64?, sessionStop: Int64?, sparseDevice: Bool, attributes: [(String, String)]) {
        self.type = type
        self.time = time
        self.arrival = arrival
        self.user = user
        self.device = device
        self.sessionID = sessionID
        self.sessionStart = sessionStart
        self.sessionStop = sessionStop
        self.sparseDevice = sparseDevice
        self.attributes = attributes
    }

    var type: String
    var time: Int64
    var arrival: Int64
    var user: GeneratedUser
    var device: Int
    var sessionID: String?
    var sessionStart: Int64?
    var sessionStop: Int64?
    /// Leave `device.platform` empty so readers must fall back to the endpoint's.
    var sparseDevice: Bool
    var attributes: [(String, String)] = []
    /// Metrics after `elapsed` (numbers, written as they are).
    var metrics: [(String, String)] = []
    /// The endpoint's attributes after `plan` and `DeviceType`, one value each.
    var endpointAttributes: [(String, String)] = []

    var json: String {
        let endpoint = user.endpoints[device]
        let platform = user.platforms[device]
        let lower = platform.lowercased()
        let make = lower == "ios" || lower == "macos" ? "apple" : lower == "android" ? "samsung" : "Blink"
        let model = lower == "ios" ? "iPhone" : lower == "android" ? "SM-G991B" : "Chrome"
        let channel = lower == "ios" ? "APNS" : lower == "android" ? "GCM" : "CUSTOM"
        var s = "{\"event_type\":\(JSONText.quote(type)),\"event_timestamp\":\(time),"
        s += "\"arrival_timestamp\":\(arrival),\"event_version\":\"3.1\","
        s += "\"application\":{\"app_id\":\"\(Self.appID)\",\"cognito_identity_pool_id\":\"us-east-1:5e1f0c2a-0000-4000-8000-00000000a11c\","
        s += "\"package_name\":\"com.example.authstats\",\"sdk\":{\"name\":\"aws-amplify\",\"version\":\"6.0.7\"},"
        s += "\"title\":\"Example\",\"version_name\":\"\(user.version)\",\"version_code\":\"\(user.version.filter(\.isNumber))\"},"
        s += "\"client\":{\"client_id\":\"\(endpoint)\",\"cognito_id\":\"us-east-1:\(user.sub)\"},"
        if sparseDevice {
            s += "\"device\":{\"platform\":{}},"
        } else {
            let language = user.locale.prefix(2)
            s += "\"device\":{\"locale\":{\"code\":\"\(user.locale)\",\"country\":\"\(user.country)\",\"language\":\"\(language)\"},"
            s += "\"make\":\"\(make)\",\"model\":\"\(model)\",\"platform\":{\"name\":\"\(platform)\",\"version\":\"17.2\"}},"
        }
        if let sessionID, let sessionStart {
            s += "\"session\":{\"session_id\":\"\(sessionID)\",\"start_timestamp\":\(sessionStart)"
            if let sessionStop { s += ",\"stop_timestamp\":\(sessionStop)" }
            s += "},"
        } else {
            s += "\"session\":{},"
        }
        s += "\"attributes\":{" + attributes.map { "\(JSONText.quote($0.0)):\(JSONText.quote($0.1))" }.joined(separator: ",") + "},"
        s += "\"metrics\":{\"elapsed\":\((time - (sessionStart ?? time)) / 1000)" + metrics.map { ",\(JSONText.quote($0.0)):\($0.1)" }.joined() + "},"
        s += "\"endpoint\":{\"ChannelType\":\"\(channel)\",\"EndpointStatus\":\"ACTIVE\",\"OptOut\":\"ALL\","
        s += "\"RequestId\":\"\(sessionID ?? endpoint)\",\"Location\":{\"Country\":\"\(user.country)\"},"
        s += "\"Demographic\":{\"Make\":\"\(make)\",\"Model\":\"\(model)\",\"Locale\":\"\(user.locale)\","
        s += "\"AppVersion\":\"\(user.version)\",\"Platform\":\"\(platform)\",\"PlatformVersion\":\"17.2\"},"
        s += "\"EffectiveDate\":\"\(ISOTime.string(millis: time))\",\"Attributes\":{\"plan\":[\"\(user.plan)\"],\"DeviceType\":[\"mobile\"]"
        s += endpointAttributes.map { ",\(JSONText.quote($0.0)):[\(JSONText.quote($0.1))]" }.joined() + "},"
        if user.signedIn {
            s += "\"User\":{\"UserId\":\"\(user.sub)\",\"UserAttributes\":{\"custom:plan\":[\"\(user.plan)\"]}},"
        }
        s += "\"ApplicationId\":\"\(Self.appID)\",\"Id\":\"\(endpoint)\",\"CohortId\":\"\(user.sub.utf8.first! % 100)\","
        s += "\"CreationDate\":\"2024-01-01T00:00:00.000Z\"},\"awsAccountId\":\"111122223333\"}"
        return s
    }

    /// The record as Cognito itself sends it (`docs/inputs.md` "Pinpoint event stream": the
    /// example of a sign-in as Cognito sends it; AWS publishes no sample): no app SDK,
    /// device, attributes or page fields, an endpoint of a few fields with the user; a session
    /// only on session events. About 600–900 bytes.
    var cognitoJSON: String {
        let endpoint = user.endpoints[device]
        var s = "{\"event_type\":\(JSONText.quote(type)),\"event_timestamp\":\(time),\"arrival_timestamp\":\(arrival),"
        s += "\"event_version\":\"3.1\",\"application\":{\"app_id\":\"\(Self.appID)\",\"sdk\":{}},"
        s += "\"client\":{\"client_id\":\"\(endpoint)\"},\"device\":{\"platform\":{}},"
        if type.hasPrefix("_session."), let sessionID, let sessionStart {
            s += "\"session\":{\"session_id\":\"\(sessionID)\",\"start_timestamp\":\(sessionStart)"
            if let sessionStop { s += ",\"stop_timestamp\":\(sessionStop)" }
            s += "},"
        } else {
            s += "\"session\":{},"
        }
        s += "\"attributes\":{},\"metrics\":{},"
        s += "\"endpoint\":{\"Id\":\"\(endpoint)\",\"ApplicationId\":\"\(Self.appID)\",\"EndpointStatus\":\"ACTIVE\",\"OptOut\":\"ALL\","
        s += "\"CohortId\":\"\(user.sub.utf8.first! % 100)\",\"EffectiveDate\":\"\(ISOTime.string(millis: time))\","
        s += "\"CreationDate\":\"2024-01-01T00:00:00.000Z\",\"Location\":{\"Country\":\"\(user.country)\"},"
        s += "\"Demographic\":{\"Platform\":\"\(user.platforms[device])\",\"AppVersion\":\"\(user.version)\",\"Locale\":\"\(user.locale)\"}"
        if user.signedIn { s += ",\"User\":{\"UserId\":\"\(user.sub)\"}" }
        s += "},\"awsAccountId\":\"111122223333\"}"
        return s
    }
}

/// ISO 8601 UTC text of epoch milliseconds (`Timestamps.isoString`).
enum ISOTime {
    static func string(millis: Int64) -> String { Timestamps.isoString(millis: millis) }
}
