/// A ratio reported with exactly four decimals, rounded half up from the exact fraction
/// (`docs/reports.md` "Numbers and text": 9/32 = 0.28125 → `0.2813`). Computed on integers, so
/// every platform prints the same digits and ties go up (`%.4f` of a `Double` rounds them to
/// even: `0.2812`).
public struct Ratio: Sendable, Equatable, CustomStringConvertible {
    public var numerator: Int
    public var denominator: Int

    public init(_ numerator: Int, _ denominator: Int) {
        self.numerator = numerator
        self.denominator = denominator
    }

    /// `0.2500`; `0.0000` when the denominator is 0.
    public var description: String {
        guard denominator > 0 else { return "0.0000" }
        // ⌊n·10⁴/d + ½⌋, in integers: a tie (9/32 = 0.28125) goes up.
        let scaled = (2 * numerator * 10_000 + denominator) / (2 * denominator)
        let fraction = String(scaled % 10_000)
        return "\(scaled / 10_000)." + String(repeating: "0", count: 4 - fraction.count) + fraction
    }
}

/// One row of `daily.csv` (`docs/metrics.md` "Daily").
public struct DailyRow: Sendable, Equatable {
    public var date: Day
    public var signUps = 0
    public var signIns = 0
    public var authFailures = 0
    public var activeUsers = 0
    public var newUsers = 0
    public var wau7d = 0
    public var mau30d = 0
    public var events = 0
    public var sessions = 0
    public var sessionUsers = 0
    public var medianSessionSeconds: Int64 = 0
    public var stickiness: Ratio { Ratio(activeUsers, mau30d) }

    public init(date: Day) { self.date = date }
}

/// One row of `retention.csv` (`docs/metrics.md` "Retention"): nil where the target day lies
/// beyond the last day with an event.
public struct RetentionRow: Sendable, Equatable {
    public var cohort: Day
    public var size = 0
    public var retainedD1: Int?
    public var retainedD7: Int?
    public var retainedD30: Int?
    public var returned7d: Int?

    public init(cohort: Day) { self.cohort = cohort }
}

/// One row of `monthly.csv` (`docs/metrics.md` "Monthly").
public struct MonthlyRow: Sendable, Equatable {
    public var month: Month
    public var days = 0
    public var signUps = 0
    public var signIns = 0
    public var authFailures = 0
    public var activeUsers = 0
    public var newUsers = 0
    public var events = 0

    public init(month: Month) { self.month = month }
}

/// One row of `breakdown.csv` (`docs/metrics.md` "Breakdown").
public struct BreakdownRow: Sendable, Equatable {
    public var date: Day
    public var dimension: Dimension
    /// Set for an `attr:NAME` row (`--breakdown-attribute`): the attribute's name (then
    /// `dimension` is not used).
    public var attribute: String?
    public var value: String
    public var signUps = 0
    public var signIns = 0
    public var authFailures = 0
    public var activeUsers = 0
    public var events = 0

    public init(date: Day, dimension: Dimension, value: String) {
        self.date = date
        self.dimension = dimension
        self.value = value
    }

    mutating func add(_ other: BreakdownRow) {
        signUps += other.signUps
        signIns += other.signIns
        authFailures += other.authFailures
        activeUsers += other.activeUsers
        events += other.events
    }

    /// The name in the `dimension` column: `platform`, …, or `attr:NAME`.
    public var dimensionName: String { attribute.map { "attr:" + $0 } ?? dimension.name }

    /// The order of `breakdown.csv`: by date, dimension name, value (names and values by bytes).
    public static func precedes(_ a: BreakdownRow, _ b: BreakdownRow) -> Bool {
        if a.date != b.date { return a.date < b.date }
        if a.dimension != b.dimension || a.attribute != b.attribute {
            return a.dimensionName.utf8.lexicographicallyPrecedes(b.dimensionName.utf8)
        }
        return a.value.utf8.lexicographicallyPrecedes(b.value.utf8)
    }

    /// Each dimension's place in the order of their names' bytes.
    private static let nameRank: [Int] = {
        var rank = [Int](repeating: 0, count: Dimension.allCases.count)
        for (place, dimension) in Dimension.allCases.sorted(by: { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) })
            .enumerated()
        {
            rank[dimension.rawValue] = place
        }
        return rank
    }()

    /// `rows` (none an `attr:` row) in the order of `precedes`, the dimensions compared by a
    /// rank of their names rather than the names (sorting a 60-day report's rows with
    /// `precedes` took ~22 M instructions, most of them in comparing names).
    static func sorted(_ rows: [BreakdownRow]) -> [BreakdownRow] {
        precondition(rows.allSatisfy { $0.attribute == nil }, "attribute rows are ordered by precedes")
        let rank = nameRank
        return rows.sorted { a, b in
            if a.date != b.date { return a.date < b.date }
            if a.dimension != b.dimension { return rank[a.dimension.rawValue] < rank[b.dimension.rawValue] }
            return a.value.utf8.lexicographicallyPrecedes(b.value.utf8)
        }
    }
}

/// The computed report tables.
public struct Reports: Sendable, Equatable {
    public var range: DayRange?
    public var daily: [DailyRow] = []
    public var monthly: [MonthlyRow] = []
    public var breakdown: [BreakdownRow] = []
    public var retention: [RetentionRow] = []
    /// With segments (`--segments`): one row per segment, in definition order.
    public var segments: [SegmentRow] = []
    /// With segments: one row per (day, segment).
    public var segmentDaily: [SegmentDailyRow] = []
    /// `--segments` was given: the segment tables are written, with no rows when its files hold
    /// no definition (a project's segments all deleted).
    public var segmentsGiven = false
}
