/// One segment as read and checked by `SegmentSet.load`: Pinpoint's `Dimensions` and
/// `SegmentGroups`, with every value parsed ahead (sets for `INCLUSIVE`, instants for the date
/// operators, base segments as indices) so that evaluating a user only compares.
struct SegmentDefinition: Sendable {
    var name: String
    /// Pinpoint's segment id, which `SourceSegments` refer to; nil for a hand-written segment
    /// without one.
    var id: String?
    var dimensions: SegmentRule.Dimensions?
    var groups: SegmentRule.Groups?
    /// Where it was defined, for messages naming it.
    var place: SegmentPlace
}

/// Where a segment was defined, for error messages.
struct SegmentPlace: Sendable {
    var file: String
    /// 1-based; nil when the file holds a single document.
    var document: Int?
    /// The segment's path from its document's root: `SegmentsResponse.Item[2]`,
    /// `SegmentResponse` or `[0]`.
    var path: String

    /// `segments.json: ` or `segments.json: document 2: `.
    var filePrefix: String {
        document.map { "\(file): document \($0): " } ?? "\(file): "
    }
}

/// The parsed parts of a definition (`docs/segments.md`).
enum SegmentRule {
    /// `ALL`, `ANY` or `NONE`: `Include`, a group's `Type` and `SourceType`.
    enum Quantifier: String, Sendable, CaseIterable {
        case all = "ALL"
        case any = "ANY"
        case none = "NONE"
    }

    /// One `SegmentDimensions` object: every member must match.
    struct Dimensions: Sendable {
        var attributes: [Attribute] = []
        var metrics: [Metric] = []
        var demographics: [SetMatch] = []
        var channel: Channel?
        var recency: Recency?
    }

    /// One entry of `Attributes` or `UserAttributes`.
    struct Attribute: Sendable {
        var name: String
        var test: AttributeTest
    }

    enum AttributeOperator: String, Sendable, CaseIterable {
        case inclusive = "INCLUSIVE"
        case exclusive = "EXCLUSIVE"
        case contains = "CONTAINS"
        case before = "BEFORE"
        case after = "AFTER"
        case on = "ON"
        case between = "BETWEEN"
    }

    enum AttributeTest: Sendable {
        /// Values as exact text (`ExactText`), as the profile's values are kept.
        case inclusive(Set<ExactText>)
        case exclusive(Set<ExactText>)
        /// UTF-8 bytes of each value, searched for as a byte sequence.
        case contains([[UInt8]])
        case before(Int64)
        case after(Int64)
        /// `day` for a user's value that is a date alone; the day's instants in the report
        /// time zone, `start..<end`, for a value that is an instant.
        case on(day: Day, start: Int64, end: Int64)
        case between(Int64, Int64)
    }

    enum Comparison: String, Sendable, CaseIterable {
        case greaterThan = "GREATER_THAN"
        case lessThan = "LESS_THAN"
        case greaterThanOrEqual = "GREATER_THAN_OR_EQUAL"
        case lessThanOrEqual = "LESS_THAN_OR_EQUAL"
        case equal = "EQUAL"
    }

    /// The profile counters a `Metrics` dimension can name (`UserProfile.metricNames`).
    enum Counter: String, Sendable {
        case signUps = "sign_ups"
        case signIns = "sign_ins"
        case authFailures = "auth_failures"
        case sessions
        case activeDays = "active_days"
    }

    struct Metric: Sendable {
        var counter: Counter
        var comparison: Comparison
        var value: Double
    }

    /// A profile field a `SetDimension` of `Demographic` or `Location` compares.
    enum Field: Sendable {
        case platform, appVersion, make, model, country
    }

    enum SetType: String, Sendable, CaseIterable {
        case inclusive = "INCLUSIVE"
        case exclusive = "EXCLUSIVE"
    }

    struct SetMatch: Sendable {
        var field: Field
        var exclusive: Bool
        /// Lower-cased for `platform`; compared as exact text (`ExactText`).
        var values: Set<ExactText>
    }

    /// `Demographic.Channel`: the channel types of the user's endpoints.
    struct Channel: Sendable {
        var exclusive: Bool
        var values: Set<String>
    }

    static let channelTypes = [
        "PUSH", "GCM", "APNS", "APNS_SANDBOX", "APNS_VOIP", "APNS_VOIP_SANDBOX", "ADM", "SMS", "VOICE", "EMAIL",
        "BAIDU", "CUSTOM", "IN_APP",
    ]

    enum Duration: String, Sendable, CaseIterable {
        case hours24 = "HR_24"
        case days7 = "DAY_7"
        case days14 = "DAY_14"
        case days30 = "DAY_30"

        var days: Int {
            switch self {
            case .hours24: return 1
            case .days7: return 7
            case .days14: return 14
            case .days30: return 30
            }
        }
    }

    enum RecencyType: String, Sendable, CaseIterable {
        case active = "ACTIVE"
        case inactive = "INACTIVE"
    }

    struct Recency: Sendable {
        /// 1, 7, 14 or 30: the window is the last `days` days ending on the last day.
        var days: Int
        var active: Bool
    }

    /// `SegmentGroups`.
    struct Groups: Sendable {
        var include: Quantifier
        var groups: [Group]
    }

    struct Group: Sendable {
        /// The base segments, as indices in the set's definition order; empty for all users.
        var sources: [Int]
        var sourceType: Quantifier
        var type: Quantifier
        var dimensions: [Dimensions]
    }
}
