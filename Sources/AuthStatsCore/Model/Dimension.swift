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
/// One array, made when the first value is set (nil while every value is unknown): an event
/// whose profile the decoder's cache knew carries none, so an event stays small and a copy of
/// it (where its values are made again or changed) retains one array (eight stored `String`s
/// made every event 128 bytes longer, and it was copied and retained at each step from the
/// decoder to the counters then: ~2% of a run's time over small records).
public struct DimensionValues: Sendable, Hashable {
    private var stored: [String]?

    public init() {}

    /// `values` in `Dimension` order, none empty (`DimensionTable.values(ofProfile:)`).
    init(_ values: [String]) {
        precondition(values.count == Dimension.allCases.count)
        assert(!values.contains(""), "an empty value is written as unknown")
        stored = values
    }

    /// The values in `Dimension` order.
    public var values: [String] { stored ?? Array(repeating: Dimension.unknown, count: Dimension.allCases.count) }

    public subscript(dimension: Dimension) -> String {
        get { stored?[dimension.rawValue] ?? Dimension.unknown }
        set {
            let value = newValue.isEmpty ? Dimension.unknown : newValue
            if stored == nil {
                if value == Dimension.unknown { return }
                stored = Array(repeating: Dimension.unknown, count: Dimension.allCases.count)
            }
            stored![dimension.rawValue] = value
        }
    }

    /// The same values, as exact text (`ExactText`).
    public static func == (a: DimensionValues, b: DimensionValues) -> Bool {
        Dimension.allCases.allSatisfy { ExactText.same(a[$0], b[$0]) }
    }

    public func hash(into hasher: inout Hasher) {
        for dimension in Dimension.allCases { hasher.combine(ExactText(self[dimension])) }
    }
}
