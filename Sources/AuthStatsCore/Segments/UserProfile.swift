/// One user as a segment sees them (`docs/segments.md` "Profiles"): what authstats knows of the
/// user as of the last day of the report range.
///
/// Built at the end of a run from everything read (`ProfileCollector`), one user at a time, and
/// evaluated against every segment definition (`SegmentSet`).
public struct UserProfile: Sendable, Equatable {
    /// One Pinpoint endpoint of the user (or, with user data sharing, a verified address).
    public struct Endpoint: Sendable, Equatable, Comparable {
        /// `endpoint.Id`, else `client.client_id`; for a shared address, the address itself.
        public var id: String
        /// `endpoint.ChannelType` (`APNS`, `GCM`, `EMAIL`, …); empty when the record had none.
        public var channelType: String
        /// `endpoint.Address`; nil when none.
        public var address: String?
        public var platform: String?
        public var appVersion: String?
        public var locale: String?
        public var country: String?

        public init(
            id: String, channelType: String, address: String? = nil, platform: String? = nil, appVersion: String? = nil,
            locale: String? = nil, country: String? = nil
        ) {
            self.id = id
            self.channelType = channelType
            self.address = address
            self.platform = platform
            self.appVersion = appVersion
            self.locale = locale
            self.country = country
        }

        public static func < (lhs: Endpoint, rhs: Endpoint) -> Bool {
            if lhs.id != rhs.id { return lhs.id.utf8.lexicographicallyPrecedes(rhs.id.utf8) }
            return lhs.channelType.utf8.lexicographicallyPrecedes(rhs.channelType.utf8)
        }
    }

    /// Where an attribute's winning value came from (the member export writes it under
    /// `User.UserAttributes.<name>` or `Attributes.<name>`).
    public enum AttributeOrigin: UInt8, Sendable {
        /// The user directory (`--users`), under its Cognito name (`custom:plan`).
        case directory
        /// Pinpoint `endpoint.User.UserAttributes`.
        case userAttributes
        /// Pinpoint `endpoint.Attributes`.
        case endpointAttributes
    }

    public struct Attribute: Sendable, Equatable {
        /// Pinpoint attributes are lists; a directory value is a list of one.
        public var values: [String]
        public var origin: AttributeOrigin

        public init(values: [String], origin: AttributeOrigin) {
            self.values = values
            self.origin = origin
        }
    }

    /// The user id (`sub`, Pinpoint `endpoint.User.UserId`, or the endpoint id of a user
    /// who never signed in).
    public var userID: String
    /// Every attribute by name: both `UserAttributes` and `Attributes` dimensions look here.
    public var attributes: [String: Attribute]
    /// Demographics of the user's latest activity event; nil when unknown (no activity event,
    /// or the event did not carry it). `platform` is lower-cased.
    public var platform: String?
    public var appVersion: String?
    public var locale: String?
    public var country: String?
    public var make: String?
    public var model: String?
    /// Every endpoint, sorted by id (then channel type).
    public var endpoints: [Endpoint]
    /// The last day (report time zone) with an activity event, over all data read.
    public var lastActive: Day?
    /// Counters over the report range.
    public var signUps: Int
    public var signIns: Int
    public var authFailures: Int
    public var sessions: Int
    public var activeDays: Int
    /// The directory's email address and phone number, when its `*_verified` says `true`:
    /// the only addresses a member export may show (`--share-user-data`).
    public var verifiedEmail: String?
    public var verifiedPhone: String?

    public init(
        userID: String, attributes: [String: Attribute] = [:], platform: String? = nil, appVersion: String? = nil,
        locale: String? = nil, country: String? = nil, make: String? = nil, model: String? = nil,
        endpoints: [Endpoint] = [], lastActive: Day? = nil, signUps: Int = 0, signIns: Int = 0, authFailures: Int = 0,
        sessions: Int = 0, activeDays: Int = 0, verifiedEmail: String? = nil, verifiedPhone: String? = nil
    ) {
        self.userID = userID
        self.attributes = attributes
        self.platform = platform
        self.appVersion = appVersion
        self.locale = locale
        self.country = country
        self.make = make
        self.model = model
        self.endpoints = endpoints
        self.lastActive = lastActive
        self.signUps = signUps
        self.signIns = signIns
        self.authFailures = authFailures
        self.sessions = sessions
        self.activeDays = activeDays
        self.verifiedEmail = verifiedEmail
        self.verifiedPhone = verifiedPhone
    }

    /// The channel types of the user's endpoints (`Demographic.Channel`).
    public var channels: Set<String> { Set(endpoints.map(\.channelType)) }

    /// The counter a `Metrics` dimension names (`sign_ins`, …); nil for another name.
    public func metric(_ name: String) -> Int? {
        switch name {
        case "sign_ups": return signUps
        case "sign_ins": return signIns
        case "auth_failures": return authFailures
        case "sessions": return sessions
        case "active_days": return activeDays
        default: return nil
        }
    }

    /// The names `metric(_:)` knows, in the order the documentation lists them.
    public static let metricNames = ["sign_ups", "sign_ins", "auth_failures", "sessions", "active_days"]
}
