import AuthStatsCore

/// Numbers, dates and durations as the page writes them: computed on integers (or rounded
/// once from a `Double`), never through a locale, so the same input gives the same bytes on
/// every machine.
enum Format {
    /// `12,345`; `-1,024`.
    static func count(_ value: Int) -> String {
        written { buffer, at in
            digits(value.magnitude, grouped: true, into: buffer, before: &at)
            if value < 0 { put(UInt8(ascii: "-"), into: buffer, before: &at) }
        }
    }

    /// The text written backwards by `body` into the end of a small buffer (room for any
    /// number here: 20 digits, their commas, a sign and a decimal); a page has tens of
    /// thousands of numbers, and building each from `String`s was ~2,700 instructions a count.
    @inline(__always)
    private static func written(_ body: (UnsafeMutableBufferPointer<UInt8>, inout Int) -> Void) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { buffer in
            var at = buffer.count
            body(buffer, &at)
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[at...]), as: UTF8.self)
        }
    }

    @inline(__always)
    private static func put(_ byte: UInt8, into buffer: UnsafeMutableBufferPointer<UInt8>, before at: inout Int) {
        at -= 1
        buffer[at] = byte
    }

    /// `value` in decimal (with a comma between groups of three when `grouped`), backwards.
    @inline(__always)
    private static func digits(_ value: UInt, grouped: Bool, into buffer: UnsafeMutableBufferPointer<UInt8>, before at: inout Int) {
        var rest = value
        var count = 0
        repeat {
            if grouped && count > 0 && count % 3 == 0 { put(UInt8(ascii: ","), into: buffer, before: &at) }
            put(UInt8(ascii: "0") + UInt8(rest % 10), into: buffer, before: &at)
            rest /= 10
            count += 1
        } while rest > 0
    }

    /// `numerator / denominator` as a percentage with one decimal, rounded half up on
    /// integers (`38.2%`); `0.0%` when the denominator is 0.
    static func percent(_ numerator: Int, _ denominator: Int) -> String {
        tenths(permille(numerator, denominator)) + "%"
    }

    /// `numerator / denominator` in tenths of a percent, rounded half up (1/3 → 333).
    static func permille(_ numerator: Int, _ denominator: Int) -> Int {
        guard denominator > 0 else { return 0 }
        let up = (2 * abs(numerator) * 1000 + denominator) / (2 * denominator)
        return numerator < 0 ? -up : up
    }

    /// Tenths as a decimal: 382 → `38.2`, -5 → `-0.5`.
    static func tenths(_ value: Int) -> String {
        let sign = value < 0 ? "-" : ""
        return "\(sign)\(count(Int(value.magnitude / 10))).\(value.magnitude % 10)"
    }

    /// A mean with one decimal, rounded half up on integers (`14.6`).
    static func mean(_ total: Int, _ count: Int) -> String {
        guard count > 0 else { return "0" }
        return tenths((2 * total * 10 + count) / (2 * count))
    }

    /// A duration in seconds as people read it: `45s`, `6m 08s`, `1h 02m`.
    static func duration(_ seconds: Int64) -> String {
        let s = max(0, seconds)
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m \(pad(Int(s % 60)))s" }
        return "\(s / 3600)h \(pad(Int(s % 3600 / 60)))m"
    }

    /// An axis label for a duration: `0`, `30s`, `5m`, `1h`, `1h 30m`.
    static func durationTick(_ seconds: Int) -> String {
        if seconds == 0 { return "0" }
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return seconds % 60 == 0 ? "\(seconds / 60)m" : "\(seconds / 60)m \(pad(seconds % 60))s" }
        return seconds % 3600 == 0 ? "\(seconds / 3600)h" : "\(seconds / 3600)h \(pad(seconds % 3600 / 60))m"
    }

    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    static let weekdayNames = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

    /// `Oct 28`, or `Oct 28 2026` with the year.
    static func shortDay(_ day: Day, year: Bool = false) -> String {
        let (y, m, d) = day.civil
        return "\(monthNames[m - 1]) \(d)" + (year ? " \(y)" : "")
    }

    /// `Wed`: 1970-01-01 (day 0) was a Thursday.
    static func weekday(_ day: Day) -> String {
        weekdayNames[Int(((Int64(day.index) % 7) + 7 + 3) % 7)]
    }

    /// `Wed 2026-10-28`, the first line of every hover value.
    static func longDay(_ day: Day) -> String { "\(weekday(day)) \(day)" }

    /// `text` (a value from the logs) as a bidirectional isolate, for plain text that has no
    /// `<bdi>` (a chart's day text, the readout made of it, the page's title): a right-to-left
    /// override in a platform name reversed the counts after it (`ios: 12 · All: 15` read
    /// `ios51 :llA · 21 :`). Its own isolate terminators are dropped and one is added for each
    /// isolate it opens, so that the last closes this one, which also ends its embeddings.
    /// A text below U+0590 (no right-to-left letter, no bidirectional control) stays as it is.
    static func isolated(_ text: String) -> String {
        // (Bytes first, in place: a scalar from U+0590 on starts with a byte from 0xD6 on, and
        // the page asks this of every series of every day; `utf8.contains` went through the
        // view's index a byte at a time and cost more than the scalars.)
        let high = text.utf8.withContiguousStorageIfAvailable { $0.contains { $0 >= 0xD6 } } ?? true
        guard high, text.unicodeScalars.contains(where: { $0.value >= 0x0590 }) else { return text }
        var scalars = String.UnicodeScalarView()
        var opened = 0
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x2069: continue
            case 0x2066...0x2068: opened += 1
            default: break
            }
            scalars.append(scalar)
        }
        return "\u{2068}" + String(scalars) + String(repeating: "\u{2069}", count: opened + 1)
    }

    /// `1 day`, `10 days`.
    static func days(_ n: Int) -> String { plural(n, "day") }

    /// `1 value`, `1,234 values`.
    static func plural(_ n: Int, _ noun: String) -> String { n == 1 ? "1 \(noun)" : "\(count(n)) \(noun)s" }

    /// An SVG coordinate with at most one decimal (`12`, `12.5`), rounded half away from zero.
    static func coordinate(_ value: Double) -> String {
        let scaled = Int((value * 10).rounded())
        let magnitude = scaled.magnitude
        return written { buffer, at in
            if magnitude % 10 != 0 {
                put(UInt8(ascii: "0") + UInt8(magnitude % 10), into: buffer, before: &at)
                put(UInt8(ascii: "."), into: buffer, before: &at)
            }
            digits(magnitude / 10, grouped: false, into: buffer, before: &at)
            if scaled < 0 { put(UInt8(ascii: "-"), into: buffer, before: &at) }
        }
    }

    static func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
