import Foundation

/// The event times a run accepts (`--oldest-event`, `--newest-event`); a record whose time lies
/// outside is rejected with its reason, like a time that cannot be read.
///
/// Why a range at all: one absurd time (a value near `Int64.max`, microseconds read as
/// milliseconds, the year 9999) would otherwise make every per-day table span millennia, so
/// memory and `daily.csv` would grow with the distance between two event times. With the
/// range, a run covers at most `maximumDays`, whatever the input holds.
public struct TimeRange: Sendable, Equatable {
    /// The first and last accepted UTC days (inclusive).
    public var oldest: Day
    public var newest: Day

    /// The default oldest day: Cognito and Pinpoint date from 2014 and 2016, so earlier times
    /// are clock or unit errors.
    public static let defaultOldest = Day(year: 2000, month: 1, day: 1)
    /// How far past the run's clock the default range reaches (clock skew, time zones).
    public static let defaultSlackDays: Int32 = 3
    /// Bounds that any option may give: years 1970 to 2199 (about 84,000 days).
    public static let limits = Day(year: 1970, month: 1, day: 1)...Day(year: 2199, month: 12, day: 31)
    /// The report days (`--from`, `--to`) an event time within `limits` can fall on in some
    /// time zone (offsets up to 14 hours): a day either side, so that the range a run took by
    /// itself can be named again (a review, 2026-12-07: 1969-12-31 in New York was refused).
    public static let reportDayLimits = limits.lowerBound.advanced(by: -1)...limits.upperBound.advanced(by: 1)

    public init(oldest: Day = TimeRange.defaultOldest, newest: Day) {
        self.oldest = oldest
        self.newest = newest
    }

    /// The default range: 2000-01-01 to three days after today (UTC) by `now`.
    public static func `default`(now: Date = Date()) -> TimeRange {
        let today = Int32((now.timeIntervalSince1970 / 86_400).rounded(.down))
        return TimeRange(newest: Day(index: today + defaultSlackDays))
    }

    /// Epoch milliseconds from the start of `oldest` to the end of `newest` (UTC).
    public var millis: ClosedRange<Int64> {
        Int64(oldest.index) * 86_400_000...Int64(newest.index + 1) * 86_400_000 - 1
    }

    /// The reject reason for a time outside the range.
    public func reason(_ time: Int64, field: String) -> String {
        "\(field) \(time) (\(Self.describe(time))) is outside the accepted range \(oldest) to \(newest), UTC "
            + "(a clock or unit error?); --oldest-event and --newest-event widen it"
    }

    /// A time for a message: its ISO date when it has four-digit year, else which side it lies.
    static func describe(_ millis: Int64) -> String {
        let years10000: Int64 = 253_402_300_800_000  // 10000-01-01T00:00:00Z
        let year0: Int64 = -62_167_219_200_000  // 0000-01-01T00:00:00Z
        if millis >= years10000 { return "after the year 9999; microseconds or nanoseconds?" }
        if millis < year0 { return "before the year 0" }
        return Timestamps.isoString(millis: millis)
    }
}
