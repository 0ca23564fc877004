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
    /// address (`ann@10.0.0.1`). As a pattern (the tests' reference, `EmailScanner`'s
    /// differential test):
    /// `[^\s@＠<>()\[\],;:"'`]+[@＠]([0-9]{1,3}(\.[0-9]{1,3}){3}(?![0-9])|L(\.L)*\.[^\s@＠<>()\[\],;:"'`.0-9]{2,})`
    /// with `L` = `[^\s@＠<>()\[\],;:"'`.]+`. It is matched by `EmailScanner`, in one pass: as a
    /// regular expression it backtracked from every character of a long run before an `@`
    /// (a 4 KB app version took 3 s, 8 KB 13 s; a review, 2026-12-06).
    /// A phone number in E.164 form: `+`, a digit from 1 to 9, then 6 to 14 more digits (7 to
    /// 15 in all), with spaces, no-break spaces, dashes (Unicode's too: `‐`, `‑`, `–`, `—`,
    /// `−`, …), dots, underscores or parentheses between them, and no digit right after: a
    /// longer run of digits is a shorter number and more. (Unicode dashes, and the underscores
    /// a locale's normalization makes of `-`, let numbers through until 2026-12-07, a review
    /// found.)
    nonisolated(unsafe) static let phone = /\+[1-9]([ \u{A0}\u{202F}()\-._\u{2010}-\u{2015}\u{2212}\u{FE58}\u{FE63}\u{FF0D}]*[0-9]){6,14}(?![0-9])/

    /// Whether `value` holds an email address or a phone number. (Most values hold neither
    /// `@` nor `+`: no pattern is tried on them.)
    public static func holdsOne(_ value: String) -> Bool {
        let (at, plus) = marks(value.utf8)
        guard at || plus else { return false }
        return (at && EmailScanner.matches(in: value).contains { isEmail(value[$0]) })
            || (plus && value.matches(of: phone).contains { isPhone($0.range, in: value) })
    }

    /// The same for a value's UTF-8 bytes (a `String` made only when it could hold one).
    public static func holdsOne(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let (at, plus) = marks(bytes)
        return (at || plus) && holdsOne(String(decoding: bytes, as: UTF8.self))
    }

    /// Whether the bytes hold an `@` (or `＠`, EF BC A0) and a `+`: one pass. (Any EF byte
    /// counted as `＠` until 2026-12-06, so U+FFFD, EF BF BD, what invalid UTF-8 is decoded to,
    /// sent every text of junk bytes to the email pattern.)
    private static func marks(_ bytes: some Sequence<UInt8>) -> (at: Bool, plus: Bool) {
        var at = false, plus = false
        var last: (UInt8, UInt8) = (0, 0)
        for byte in bytes {
            if byte == 0x40 || (byte == 0xA0 && last == (0xEF, 0xBC)) { at = true } else if byte == 0x2B { plus = true }
            last = (last.1, byte)
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
        for range in EmailScanner.matches(in: out).reversed() where isEmail(out[range]) {
            out.replaceSubrange(range, with: withheld)
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

/// The email pattern of `Addresses` matched in one pass: the ranges `String.matches(of:)` would
/// give for it (leftmost, non-overlapping, greedy), by `Character`s as Swift's `Regex` reads a
/// `String`. A match holds one `@`; its local part is the run of local characters just before
/// it (from the end of the match before, if that lies inside the run), its domain the longest
/// that the pattern's backtracking would take. Each character is looked at a bounded number of
/// times: the domains of two `@`s never overlap (an `@` is no domain character).
enum EmailScanner {
    static func matches(in text: String) -> [Range<String.Index>] {
        var found: [Range<String.Index>] = []
        var consumed = text.startIndex
        var run = text.startIndex  // where the run of local characters before `i` starts
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            let next = text.index(after: i)
            if c == "@" || c == "＠" {
                let start = max(run, consumed)
                if start < i, let end = domainEnd(text, from: next) {
                    found.append(start..<end)
                    consumed = end
                    run = end
                    i = end
                    continue
                }
                run = next
            } else if !isLocal(c) {
                run = next
            }
            i = next
        }
        return found
    }

    /// Where the domain starting at `i` ends: an IPv4 address (tried first, as the pattern's
    /// first alternative), else the last label of the chain that starts with two top-level
    /// characters (the chain taken whole, then given back a label at a time); nil if none.
    private static func domainEnd(_ text: String, from start: String.Index) -> String.Index? {
        if let end = ipv4End(text, from: start) { return end }
        var i = start
        guard i < text.endIndex, isLabel(text[i]) else { return nil }
        while i < text.endIndex, isLabel(text[i]) { i = text.index(after: i) }
        var end: String.Index?
        while i < text.endIndex, text[i] == "." {
            let label = text.index(after: i)
            var t = label, count = 0
            while t < text.endIndex, isTopLevel(text[t]) {
                t = text.index(after: t)
                count += 1
            }
            if count >= 2 { end = t }
            guard label < text.endIndex, isLabel(text[label]) else { break }
            i = label
            while i < text.endIndex, isLabel(text[i]) { i = text.index(after: i) }
        }
        return end
    }

    /// Four runs of one to three digits with dots between, no digit after.
    private static func ipv4End(_ text: String, from start: String.Index) -> String.Index? {
        var i = start
        for group in 0..<4 {
            if group > 0 {
                guard i < text.endIndex, text[i] == "." else { return nil }
                i = text.index(after: i)
            }
            var digits = 0
            while i < text.endIndex, isDigit(text[i]) {
                i = text.index(after: i)
                digits += 1
            }
            guard (1...3).contains(digits) else { return nil }
        }
        return i
    }

    /// `[^\s@＠<>()\[\],;:"'`]`
    private static func isLocal(_ c: Character) -> Bool {
        !c.isWhitespace && !(c.unicodeScalars.count == 1 && excluded.contains(c.unicodeScalars.first!.value))
    }

    /// `isLocal`, and not `.`.
    private static func isLabel(_ c: Character) -> Bool { c != "." && isLocal(c) }

    /// `isLabel`, and not a digit.
    private static func isTopLevel(_ c: Character) -> Bool { !isDigit(c) && isLabel(c) }

    private static func isDigit(_ c: Character) -> Bool {
        c.unicodeScalars.count == 1 && (0x30...0x39).contains(c.unicodeScalars.first!.value)
    }

    private static let excluded: Set<UInt32> = Set("@＠<>()[],;:\"'`".unicodeScalars.map(\.value))
}
