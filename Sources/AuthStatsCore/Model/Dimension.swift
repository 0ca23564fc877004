/// A breakdown dimension (`docs/metrics.md` "Dimensions").
public enum Dimension: Int, Sendable, CaseIterable, Hashable {
    case platform
    case locale
    case appVersion
    case clientID
    case country
    case source
    case userType
    /// The Pinpoint project (`--clients`): Pinpoint's `application.app_id`, or the project of
    /// the event's app client; `(unconfigured)` when neither says. Reported only with `--clients`.
    case projectID

    /// The name written in `breakdown.csv`.
    public var name: String {
        switch self {
        case .platform: return "platform"
        case .locale: return "locale"
        case .appVersion: return "app_version"
        case .clientID: return "client_id"
        case .country: return "country"
        case .source: return "source"
        case .userType: return "user_type"
        case .projectID: return "project_id"
        }
    }

    /// The breakdown's dimensions: `project_id` only with `--clients` (without, nothing sets it).
    public static func reported(withProjects: Bool) -> [Dimension] {
        allCases.filter { $0 != .projectID || withProjects }
    }

    /// The value of `project_id` for an event no configured project claims.
    public static let unconfigured = "(unconfigured)"

    /// The value written for a missing or empty dimension.
    public static let unknown = "(unknown)"
}

/// The dimension values of one event, `(unknown)` where missing.
///
/// Seven stored strings rather than an array: building one per event then allocates nothing
/// (the values are short enough to be stored inline in their `String`s).
public struct DimensionValues: Sendable, Hashable {
    private var platform = Dimension.unknown
    private var locale = Dimension.unknown
    private var appVersion = Dimension.unknown
    private var clientID = Dimension.unknown
    private var country = Dimension.unknown
    private var source = Dimension.unknown
    private var userType = Dimension.unknown
    private var projectID = Dimension.unknown

    public init() {}

    /// The values in `Dimension` order.
    public var values: [String] { Dimension.allCases.map { self[$0] } }

    public subscript(dimension: Dimension) -> String {
        get {
            switch dimension {
            case .platform: return platform
            case .locale: return locale
            case .appVersion: return appVersion
            case .clientID: return clientID
            case .country: return country
            case .source: return source
            case .userType: return userType
            case .projectID: return projectID
            }
        }
        set {
            let value = newValue.isEmpty ? Dimension.unknown : newValue
            switch dimension {
            case .platform: platform = value
            case .locale: locale = value
            case .appVersion: appVersion = value
            case .clientID: clientID = value
            case .country: country = value
            case .source: source = value
            case .userType: userType = value
            case .projectID: projectID = value
            }
        }
    }
}
