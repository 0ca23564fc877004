import AuthStatsCore

/// Builds Pinpoint event-stream records for tests, with only the fields a test cares about.
public struct PinpointLine: Sendable {
    public var type: String
    public var time: Int64
    public var userID: String?
    public var clientID: String?
    public var sessionID: String?
    public var platform: String?
    public var locale: String?
    public var appVersion: String?
    public var country: String?
    /// `session.start_timestamp` / `stop_timestamp` (with a session id).
    public var sessionStart: Int64?
    public var sessionStop: Int64?

    public init(
        _ type: String, at time: Int64, user: String? = nil, client: String? = "client-1",
        session: String? = nil, platform: String? = nil, locale: String? = nil,
        appVersion: String? = nil, country: String? = nil
    ) {
        self.type = type
        self.time = time
        userID = user
        clientID = client
        sessionID = session
        self.platform = platform
        self.locale = locale
        self.appVersion = appVersion
        self.country = country
    }

    /// An event at `iso` with its session's `start_timestamp`/`stop_timestamp` (ISO times too).
    public init(_ type: String, iso: String, user: String, session: String?, start: String?, stop: String?) {
        self.init(type, iso: iso, user: user, session: session)
        sessionStart = start.map(PinpointLine.millis)
        sessionStop = stop.map(PinpointLine.millis)
    }

    /// An event at `iso` (`2026-11-01T23:59:59Z`, UTC) instead of epoch milliseconds.
    public init(
        _ type: String, iso: String, user: String? = nil, client: String? = "client-1",
        session: String? = nil, platform: String? = nil, locale: String? = nil
    ) {
        self.init(type, at: PinpointLine.millis(iso), user: user, client: client, session: session,
                  platform: platform, locale: locale)
    }

    public var json: String {
        var s = "{\"event_type\":\(JSONText.quote(type)),\"event_timestamp\":\(time),\"arrival_timestamp\":\(time + 500)"
        s += ",\"application\":{\"app_id\":\"app\""
        if let appVersion { s += ",\"version_name\":\(JSONText.quote(appVersion))" }
        s += "},\"client\":{"
        if let clientID { s += "\"client_id\":\(JSONText.quote(clientID))" }
        s += "},\"device\":{"
        var device: [String] = []
        if locale != nil || country != nil {
            var parts: [String] = []
            if let locale { parts.append("\"code\":\(JSONText.quote(locale))") }
            if let country { parts.append("\"country\":\(JSONText.quote(country))") }
            device.append("\"locale\":{" + parts.joined(separator: ",") + "}")
        }
        if let platform { device.append("\"platform\":{\"name\":\(JSONText.quote(platform))}") }
        s += device.joined(separator: ",") + "},\"session\":{"
        if let sessionID {
            s += "\"session_id\":\(JSONText.quote(sessionID)),\"start_timestamp\":\(sessionStart ?? time)"
            if let sessionStop { s += ",\"stop_timestamp\":\(sessionStop)" }
        }
        s += "},\"attributes\":{},\"metrics\":{}"
        if let userID { s += ",\"endpoint\":{\"User\":{\"UserId\":\(JSONText.quote(userID))}}" }
        return s + "}"
    }

    /// Epoch milliseconds of `YYYY-MM-DDTHH:MM:SS[.mmm]Z`.
    public static func millis(_ iso: String) -> Int64 {
        let chars = Array(iso)
        let day = Day(iso: String(chars[0..<10]))!
        let h = Int64(String(chars[11..<13]))!, m = Int64(String(chars[14..<16]))!, s = Int64(String(chars[17..<19]))!
        var ms: Int64 = 0
        if chars.count > 20 && chars[19] == "." { ms = Int64(String(chars[20..<23]))! }
        return Int64(day.index) * 86_400_000 + ((h * 60 + m) * 60 + s) * 1000 + ms
    }
}

extension Array where Element == PinpointLine {
    /// Newline-delimited JSON.
    public var ndjson: String { map(\.json).joined(separator: "\n") + "\n" }
}
