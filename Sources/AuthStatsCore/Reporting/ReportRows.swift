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
            return ExactText.precedes(a.dimensionName, b.dimensionName)
        }
        return ExactText.precedes(a.value, b.value)
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

    /// `rows` (none an `attr:` row) in the order of `precedes`, by one word a row: its day,
    /// its dimension's rank by name and its value's rank among the values of that dimension
    /// (each distinct value compared by bytes once), ties in the order given, as a stable sort
    /// keeps them. Comparing the rows' texts took ~22 M instructions for a 60-day report and
    /// ~55 M for 10,000 rows of 300 values.
    static func sorted(_ rows: [BreakdownRow]) -> [BreakdownRow] {
        precondition(rows.allSatisfy { $0.attribute == nil }, "attribute rows are ordered by precedes")
        guard let firstDay = rows.lazy.map(\.date.index).min() else { return rows }
        let nameRank = nameRank
        precondition(Dimension.allCases.count <= 16, "a dimension's rank packs into 4 bits")
        // Each row's value as a number in its dimension, the values in the order first met.
        var numbers = [[ExactText: UInt32]](repeating: [:], count: Dimension.allCases.count)
        var values = [[String]](repeating: [], count: Dimension.allCases.count)
        var valueNumber = [UInt32](repeating: 0, count: rows.count)
        for (i, row) in rows.enumerated() {
            let (d, key) = (row.dimension.rawValue, ExactText(row.value))
            if let number = numbers[d][key] {
                valueNumber[i] = number
            } else {
                valueNumber[i] = UInt32(values[d].count)
                numbers[d][key] = valueNumber[i]
                values[d].append(row.value)
            }
        }
        // Each number's rank by its value's bytes.
        let valueRank: [[UInt32]] = values.map { texts in
            var rank = [UInt32](repeating: 0, count: texts.count)
            for (place, number) in texts.indices.sorted(by: { ExactText.precedes(texts[$0], texts[$1]) }).enumerated() {
                rank[number] = UInt32(place)
            }
            return rank
        }
        let keys = rows.indices.map { i in
            let row = rows[i]
            let day = Int(row.date.index) - Int(firstDay)  // under 2^28: days lie within `TimeRange.limits`
            return UInt64(day) << 36 | UInt64(nameRank[row.dimension.rawValue]) << 32
                | UInt64(valueRank[row.dimension.rawValue][Int(valueNumber[i])])
        }
        return rows.indices.sorted { a, b in keys[a] != keys[b] ? keys[a] < keys[b] : a < b }.map { rows[$0] }
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
