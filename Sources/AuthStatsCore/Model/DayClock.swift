import Foundation

/// Maps event instants to calendar days in a report time zone (`docs/metrics.md` "Days and
/// time zones").
///
/// Asking `TimeZone` for every event would dominate the hot path, so the offset is cached
/// per 15-minute block of UTC time: every zone's offset is constant within such a block
/// except for blocks that hold a transition, which are detected (the offsets at both ends
/// differ) and answered exactly per event.
public struct DayClock: Sendable {
    public let timeZone: TimeZone
    private let isUTC: Bool
    private var lastBlock: Int64 = .min
    private var lastOffset: Int64 = 0
    private var blocks: [Int64: Int64] = [:]

    private static let blockMillis: Int64 = 900_000
    /// The widest offset from UTC a report zone can have: 18 hours, the bound of a fixed
    /// offset (`UTC+18`; the zones of the database reach 14).
    public static let widestOffsetMillis: Int64 = 18 * 3_600_000
    private static let dayMillis: Int64 = 86_400_000
    private static let mixed = Int64.min

    public init(timeZone: TimeZone) {
        self.timeZone = timeZone
        isUTC = timeZone.secondsFromGMT() == 0 && timeZone.nextDaylightSavingTimeTransition == nil
            && (timeZone.identifier == "UTC" || timeZone.identifier == "GMT")
    }

    /// The day in the report zone of the instant `millis` (epoch milliseconds).
    public mutating func day(ofMillis millis: Int64) -> Day {
        if isUTC { return Day(index: Int32(truncatingIfNeeded: Self.floorDiv(millis, Self.dayMillis))) }
        let offset = offsetMillis(at: millis)
        return Day(index: Int32(truncatingIfNeeded: Self.floorDiv(millis &+ offset, Self.dayMillis)))
    }

    /// The zone's offset from UTC at `millis`, in milliseconds.
    public mutating func offsetMillis(at millis: Int64) -> Int64 {
        let block = Self.floorDiv(millis, Self.blockMillis)
        if block != lastBlock {
            let offset: Int64
            if let cached = blocks[block] {
                offset = cached
            } else {
                let start = block * Self.blockMillis
                let a = exactOffset(start)
                let b = exactOffset(start + Self.blockMillis - 1)
                offset = a == b ? a : Self.mixed
                blocks[block] = offset
            }
            lastBlock = block
            lastOffset = offset
        }
        return lastOffset == Self.mixed ? exactOffset(millis) : lastOffset
    }

    private func exactOffset(_ millis: Int64) -> Int64 {
        let date = Date(timeIntervalSince1970: Double(millis) / 1000)
        return Int64(timeZone.secondsFromGMT(for: date)) * 1000
    }

    @inlinable
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
