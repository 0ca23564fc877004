/// Email addresses and phone numbers in values that come from the logs and the user directory
/// (`docs/segments.md` "User data sharing"): a report shows one only as the `Address` of a
/// verified `EMAIL` or `SMS` endpoint, with `--share-user-data`. Attributes hold them under
/// any name (`custom:email`, a Pinpoint `EMAIL_ADDRESS`, a `name` with an address in it), so
/// values are told by their shape, not their attribute's name (a review found them in member
/// exports, attribute breakdowns and the page's rejected records on 2026-12-05).
public enum Addresses {
    /// What a withheld value is written as, where one is shown (an attribute breakdown's value,
    /// a rejected record's text on the page); a member export's cell is left empty.
    public static let withheld = "(withheld)"

    /// An email address: a local part, `@`, and a domain of at least two labels.
    nonisolated(unsafe) static let email = /[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}/
    /// A phone number in E.164 form: `+`, then 7 to 15 digits, with spaces, dashes, dots or
    /// parentheses between them (the digits are counted apart).
    nonisolated(unsafe) static let phone = /\+[0-9][0-9 ()\-.]{5,22}[0-9]/

    /// Whether `value` holds an email address or a phone number. (Most values hold neither
    /// `@` nor `+`: no pattern is tried on them.)
    public static func holdsOne(_ value: String) -> Bool {
        var at = false, plus = false
        for byte in value.utf8 {
            if byte == 0x40 { at = true } else if byte == 0x2B { plus = true }
        }
        guard at || plus else { return false }
        return (at && value.contains(email)) || (plus && value.matches(of: phone).contains { isPhone($0.output) })
    }

    /// The same for a value's UTF-8 bytes.
    public static func holdsOne(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.contains(0x40) || bytes.contains(0x2B) else { return false }
        return holdsOne(String(decoding: bytes, as: UTF8.self))
    }

    /// `text` with each email address and phone number in it replaced by `withheld`.
    public static func masked(_ text: String) -> String {
        guard holdsOne(text) else { return text }
        var out = text.replacing(email, with: withheld)
        for match in out.matches(of: phone).reversed() where isPhone(match.output) {
            out.replaceSubrange(match.range, with: withheld)
        }
        return out
    }

    private static func isPhone(_ match: Substring) -> Bool {
        (7...15).contains(match.utf8.reduce(0) { $0 + ($1 >= 0x30 && $1 <= 0x39 ? 1 : 0) })
    }
}
