/// An ISO-8601 instant as the date operators of a segment read it (`BEFORE`, `AFTER`, `ON`,
/// `BETWEEN`), in a definition's `Values` or in a user's attribute values.
///
/// Accepted: `2026-01-31T10:00:00Z`, with a fraction of a second (`…:00.250Z`, cut to the
/// millisecond), with an offset instead of `Z` (`+02:00`, `-0530`), and a date alone
/// (`2026-01-31`), which is that day's midnight UTC. A date and time without `Z` or an offset
/// names no instant (it depends on a zone nobody gave) and is not accepted.
struct SegmentInstant: Equatable {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    var millis: Int64
    /// The date, when the text was a date alone: `ON` compares that date itself, not the day
    /// its UTC midnight falls on in the report time zone (which, west of UTC, is the day before).
    var dateOnly: Day?

    init(millis: Int64, dateOnly: Day? = nil) {
        self.millis = millis
        self.dateOnly = dateOnly
    }

    /// Reads `text`; nil unless it is one of the accepted forms.
    init?(_ text: String) {
        let utf8 = text.utf8
        if utf8.count == 10 {
            guard let day = Day(iso: text) else { return nil }
            self.init(millis: Int64(day.index) * 86_400_000, dateOnly: day)
            return
        }
        // `YYYY-MM-DDTHH:MM:SS`, an optional fraction, then a zone (Timestamps reads a missing
        // zone as UTC and a space for the `T`; neither is an instant here).
        guard utf8.count > 19, utf8[utf8.index(utf8.startIndex, offsetBy: 10)] == UInt8(ascii: "T") else { return nil }
        var rest = utf8.dropFirst(19)
        if rest.first == UInt8(ascii: ".") {
            rest = rest.dropFirst().drop { $0 >= 0x30 && $0 <= 0x39 }
        }
        guard let zone = rest.first, zone == UInt8(ascii: "Z") || zone == UInt8(ascii: "+") || zone == UInt8(ascii: "-"),
            let millis = Timestamps.iso8601(text)
        else { return nil }
        self.init(millis: millis)
    }
}
