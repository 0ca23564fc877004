/// Parsers for the time formats of the exports, exact to the millisecond, without
/// `DateFormatter` (slow, and locale-dependent).
public enum Timestamps {
    /// `2024-05-02T07:57:09Z`, with optional fraction and `Z` or `±HH:MM` offset.
    public static func iso8601(_ text: String) -> Int64? {
        let c = Array(text.utf8)
        guard c.count >= 19, c[4] == 0x2D, c[7] == 0x2D, c[10] == 0x54 || c[10] == 0x20, c[13] == 0x3A, c[16] == 0x3A,
            let day = Day(iso: String(decoding: c[0..<10], as: UTF8.self)),
            let h = number(c[11..<13]), let m = number(c[14..<16]), let s = number(c[17..<19]), h < 24, m < 60, s < 61
        else { return nil }
        var i = 19
        var millis: Int64 = 0
        if i < c.count && c[i] == 0x2E {
            i += 1
            var digits = 0
            while i < c.count, c[i] >= 0x30 && c[i] <= 0x39 {
                if digits < 3 { millis = millis * 10 + Int64(c[i] - 0x30) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            if digits < 3 { for _ in digits..<3 { millis *= 10 } }
        }
        var offset: Int64 = 0
        if i < c.count {
            if c[i] == 0x5A && i == c.count - 1 {
                offset = 0
            } else if (c[i] == 0x2B || c[i] == 0x2D) && c.count - i >= 5 {
                let rest = c[(i + 1)...].filter { $0 != 0x3A }
                guard rest.count == 4, let oh = number(rest[rest.startIndex..<rest.startIndex + 2]),
                    let om = number(rest[rest.startIndex + 2..<rest.endIndex])
                else { return nil }
                offset = (oh * 60 + om) * 60_000 * (c[i] == 0x2D ? -1 : 1)
            } else {
                return nil
            }
        }
        return Int64(day.index) * 86_400_000 + ((h * 60 + m) * 60 + s) * 1000 + millis - offset
    }

    /// `2024-05-02T07:57:09.123Z`.
    public static func isoString(millis: Int64) -> String {
        let dayMillis: Int64 = 86_400_000
        let dayIndex = millis >= 0 ? millis / dayMillis : (millis - dayMillis + 1) / dayMillis
        let rest = millis - dayIndex * dayMillis
        func pad(_ v: Int64, _ w: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(Day(index: Int32(dayIndex)))T\(pad(rest / 3_600_000, 2)):\(pad(rest / 60_000 % 60, 2)):"
            + "\(pad(rest / 1000 % 60, 2)).\(pad(rest % 1000, 3))Z"
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

    private static func number(_ digits: ArraySlice<UInt8>) -> Int64? {
        var value: Int64 = 0
        for b in digits {
            guard b >= 0x30 && b <= 0x39 else { return nil }
            value = value * 10 + Int64(b - 0x30)
        }
        return digits.isEmpty ? nil : value
    }
}
