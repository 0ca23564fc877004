import Foundation

/// Parsers for the time formats of the exports, exact to the millisecond, without
/// `DateFormatter` (slow, and locale-dependent).
public enum Timestamps {
    /// `2024-05-02T07:57:09Z`, with optional fraction and `Z` or `±HH:MM` offset.
    public static func iso8601(_ text: String) -> Int64? {
        var copy = text
        return copy.withUTF8 { iso8601(UnsafeRawBufferPointer($0)) }
    }

    /// The same, read straight from bytes (no `String`, no allocation).
    ///
    /// The fixed part, `YYYY-MM-DDTHH:MM:SS`, and an offset's digits are read in straight
    /// lines: each byte's distance from `0` as its digit, and one test of all of them at once
    /// (`EightDigits.nonDigits`'s, byte by byte: 6 above a digit stays below 16, any other
    /// byte reaches 16; the separators between them keep a word read out). A loop of digits
    /// a field, each returning an optional, took ~500 instructions a CloudTrail record's time
    /// (1.8% of a trail-and-activity run).
    public static func iso8601(_ c: UnsafeRawBufferPointer) -> Int64? {
        guard c.count >= 19 else { return nil }
        let p = c.baseAddress!.assumingMemoryBound(to: UInt8.self)
        @inline(__always) func d(_ i: Int) -> UInt32 { UInt32(p[i] &- 0x30) }
        let y0 = d(0), y1 = d(1), y2 = d(2), y3 = d(3), mo0 = d(5), mo1 = d(6), d0 = d(8), d1 = d(9)
        let h0 = d(11), h1 = d(12), mi0 = d(14), mi1 = d(15), s0 = d(17), s1 = d(18)
        let spread =
            (y0 &+ 6) | (y1 &+ 6) | (y2 &+ 6) | (y3 &+ 6) | (mo0 &+ 6) | (mo1 &+ 6) | (d0 &+ 6) | (d1 &+ 6)
            | (h0 &+ 6) | (h1 &+ 6) | (mi0 &+ 6) | (mi1 &+ 6) | (s0 &+ 6) | (s1 &+ 6)
        guard spread < 16, p[4] == 0x2D, p[7] == 0x2D, p[10] == 0x54 || p[10] == 0x20, p[13] == 0x3A, p[16] == 0x3A else {
            return nil
        }
        let year = Int(y0 * 1000 + y1 * 100 + y2 * 10 + y3)
        let month = Int(mo0 * 10 + mo1), dayOfMonth = Int(d0 * 10 + d1)
        let h = Int64(h0 * 10 + h1), m = Int64(mi0 * 10 + mi1), s = Int64(s0 * 10 + s1)
        guard month >= 1, month <= 12, dayOfMonth >= 1, dayOfMonth <= Day.daysIn(year: year, month: month), h < 24, m < 60, s < 61
        else { return nil }
        let day = Day(year: year, month: month, day: dayOfMonth)
        var i = 19
        var millis: Int64 = 0
        if i < c.count && c[i] == 0x2E {
            i += 1
            var count = 0
            while i < c.count, c[i] >= 0x30 && c[i] <= 0x39 {
                if count < 3 { millis = millis * 10 + Int64(c[i] - 0x30) }
                count += 1
                i += 1
            }
            guard count > 0 else { return nil }
            if count < 3 { for _ in count..<3 { millis *= 10 } }
        }
        var offset: Int64 = 0
        if i < c.count {
            if c[i] == 0x5A && i == c.count - 1 {
                offset = 0
            } else if (c[i] == 0x2B || c[i] == 0x2D) && (c.count - i == 6 && c[i + 3] == 0x3A || c.count - i == 5) {
                let minutesAt = c.count - i == 6 ? i + 4 : i + 3
                let oh0 = d(i + 1), oh1 = d(i + 2), om0 = d(minutesAt), om1 = d(minutesAt + 1)
                guard (oh0 &+ 6) | (oh1 &+ 6) | (om0 &+ 6) | (om1 &+ 6) < 16 else { return nil }
                // An offset is a time of day: `+99:99` or `+24:00` is none (it was read as one).
                guard oh0 * 10 + oh1 <= 23 && om0 * 10 + om1 <= 59 else { return nil }
                offset = Int64((oh0 * 10 + oh1) * 60 + om0 * 10 + om1) * 60_000 * (c[i] == 0x2D ? -1 : 1)
            } else {
                return nil
            }
        }
        return Int64(day.index) * 86_400_000 + ((h * 60 + m) * 60 + s) * 1000 + millis - offset
    }

    /// `2024-05-02T07:57:09Z`: the second of `date`, the text `ISO8601DateFormatter` writes for
    /// it (Foundation on Linux adds half a millisecond, then drops the fraction), without that
    /// formatter's ICU set-up (~1 ms of a run).
    public static func isoSecondsString(_ date: Date) -> String {
        let text = isoString(millis: Int64((date.timeIntervalSince1970 * 1000 + 0.5).rounded(.down)))
        return text.prefix(19) + "Z"
    }

    /// `2024-05-02T07:57:09.123Z`.
    public static func isoString(millis: Int64) -> String {
        let dayMillis: Int64 = 86_400_000
        let dayIndex = millis >= 0 ? millis / dayMillis : (millis - dayMillis + 1) / dayMillis
        let rest = millis - dayIndex * dayMillis
        // `THH:MM:SS.mmmZ` as bytes (one String for the time, not one per field).
        var time: [UInt8] = Array("T00:00:00.000Z".utf8)
        func put(_ value: Int64, at end: Int, digits: Int) {
            var v = value
            for i in stride(from: end, to: end - digits, by: -1) {
                time[i] = UInt8(0x30 + v % 10)
                v /= 10
            }
        }
        put(rest / 3_600_000, at: 2, digits: 2)
        put(rest / 60_000 % 60, at: 5, digits: 2)
        put(rest / 1000 % 60, at: 8, digits: 2)
        put(rest % 1000, at: 12, digits: 3)
        return "\(Day(index: Int32(dayIndex)))" + String(decoding: time, as: UTF8.self)
    }

    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Java's `Date.toString()`: `Wed Jul 17 17:25:55 UTC 2024` (zone `UTC` or `GMT`).
    public static func javaDate(_ text: String) -> Int64? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, let month = months.firstIndex(of: String(parts[1])),
            let d = Int(parts[2]), let year = Int(parts[5]), parts[4] == "UTC" || parts[4] == "GMT",
            d >= 1, d <= Day.daysIn(year: year, month: month + 1)
        else { return nil }
        let clock = parts[3].split(separator: ":")
        guard clock.count == 3, let h = Int64(clock[0]), let m = Int64(clock[1]), let s = Int64(clock[2]),
            h < 24, m < 60, s < 61
        else { return nil }
        let day = Day(year: year, month: month + 1, day: d)
        return Int64(day.index) * 86_400_000 + ((h * 60 + m) * 60 + s) * 1000
    }

}
