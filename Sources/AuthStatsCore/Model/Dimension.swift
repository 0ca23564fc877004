/// A breakdown dimension (`metrics.md` §4).
public enum Dimension: Int, Sendable, CaseIterable, Hashable {
    case platform
    case locale
    case appVersion
    case clientID
    case country
    case source
    case userType

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
        }
    }

    /// The value written for a missing or empty dimension.
    public static let unknown = "(unknown)"
}

/// The seven dimension values of one event, `(unknown)` where missing.
public struct DimensionValues: Sendable, Hashable {
    public var values: [String]

    public init() {
        values = Array(repeating: Dimension.unknown, count: Dimension.allCases.count)
    }

    public subscript(dimension: Dimension) -> String {
        get { values[dimension.rawValue] }
        set { values[dimension.rawValue] = newValue.isEmpty ? Dimension.unknown : newValue }
    }
}
