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

    /// An email address: a local part, `@` (or the full-width `＠`), and a domain of two labels
    /// or more, non-ASCII letters included (`josé@example.com`, `ann@münchen.de`), or an IPv4
    /// address (`ann@10.0.0.1`).
    nonisolated(unsafe) static let email =
        /[^\s@＠<>()\[\],;:"'`]+[@＠]([0-9]{1,3}(\.[0-9]{1,3}){3}(?![0-9])|[^\s@＠<>()\[\],;:"'`.]+(\.[^\s@＠<>()\[\],;:"'`.]+)*\.[^\s@＠<>()\[\],;:"'`.0-9]{2,})/
    /// A phone number in E.164 form: `+`, a digit from 1 to 9, then 6 to 14 more digits (7 to
    /// 15 in all), with spaces, no-break spaces, dashes, dots or parentheses between them, and
    /// no digit right after: a longer run of digits is a shorter number and more.
    nonisolated(unsafe) static let phone = /\+[1-9]([ \u{A0}\u{202F}()\-.]*[0-9]){6,14}(?![0-9])/

    /// Whether `value` holds an email address or a phone number. (Most values hold neither
    /// `@` nor `+`: no pattern is tried on them.)
    public static func holdsOne(_ value: String) -> Bool {
        let (at, plus) = marks(value.utf8)
        guard at || plus else { return false }
        return (at && value.matches(of: email).contains { isEmail($0.output.0) }) || (plus && value.matches(of: phone).contains { isPhone($0.range, in: value) })
    }

    /// The same for a value's UTF-8 bytes (a `String` made only when it could hold one).
    public static func holdsOne(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let (at, plus) = marks(bytes)
        return (at || plus) && holdsOne(String(decoding: bytes, as: UTF8.self))
    }

    /// Whether the bytes hold an `@` (or the lead byte of `＠`, EF BC A0) and a `+`: one pass.
    private static func marks(_ bytes: some Sequence<UInt8>) -> (at: Bool, plus: Bool) {
        var at = false, plus = false
        for byte in bytes {
            if byte == 0x40 || byte == 0xEF { at = true } else if byte == 0x2B { plus = true }
        }
        return (at, plus)
    }

    /// `value` as a report shows it: `withheld` when it holds an address.
    public static func shown(_ value: String) -> String { holdsOne(value) ? withheld : value }

    /// `value` as a member export's cell shows it: empty when it holds an address, or is a value
    /// already withheld (the demographic cells come from `DimensionTable`'s values, and the
    /// file imports back into Pinpoint).
    static func exportCell(_ value: String) -> String { value == withheld || holdsOne(value) ? "" : value }

    /// `text` with each email address and phone number in it replaced by `withheld`.
    public static func masked(_ text: String) -> String {
        guard holdsOne(text) else { return text }
        var out = text
        for match in out.matches(of: email).reversed() where isEmail(match.output.0) {
            out.replaceSubrange(match.range, with: withheld)
        }
        for match in out.matches(of: phone).reversed() where isPhone(match.range, in: out) {
            out.replaceSubrange(match.range, with: withheld)
        }
        return out
    }

    /// Not an image's name for a screen density (`logo@2x.png`): its domain is digits and `x`.
    private static func isEmail(_ match: Substring) -> Bool {
        guard let at = match.firstIndex(where: { $0 == "@" || $0 == "＠" }) else { return false }
        let domain = match[match.index(after: at)...].prefix { $0 != "." }
        return !(domain.count >= 2 && domain.last == "x" && domain.dropLast().allSatisfy(\.isASCII) && domain.dropLast().allSatisfy(\.isNumber))
    }

    /// Not part of a word, a version or an amount: the `+` starts the text or follows neither
    /// a letter, a digit nor a dot (`1.0.0+20130313144700`, `id+1234567890` are no numbers).
    private static func isPhone(_ range: Range<String.Index>, in text: String) -> Bool {
        guard range.lowerBound > text.startIndex else { return true }
        let before = text[text.index(before: range.lowerBound)]
        return !(before.isLetter || before.isNumber || before == ".")
    }
}
