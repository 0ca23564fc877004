import AuthStatsTestSupport
import Testing

@testable import AuthStatsCore

/// `Addresses`: values told by their shape (a review, 2026-12-05, found addresses exported
/// under attribute names other than email and phone_number).
@Suite("Addresses: email addresses and phone numbers in values")
struct AddressesTests {
    @Test("what holds one", arguments: [
        ("alt@example.com", true), ("Ann ann@example.net", true), ("first.last+tag@mail.example.co.uk", true),
        ("+15559999999", true), ("+1 (555) 010-0999", true), ("+44 20 7946 0958", true),
        ("12345678", false), ("+12", false), ("a@b", false), ("x@y.z", false), ("v1.2+3", false), ("pro", false), ("", false),
        ("+1234567890123456", false),  // 16 digits: no E.164 number
        // A number before more digits, non-ASCII and full-width forms, no-break spaces (a review's).
        ("+1 555 010 0999 12345", true), ("+49 170 1234567 (2024)", true), ("+15550100999 1773144000000", true),
        ("josé@example.com", true), ("ann@münchen.de", true), ("ann＠example.com", true), ("+1\u{A0}555\u{A0}010\u{A0}0999", true),
        // No address: a version's build, ids, a date's offset, zeros, an image for a screen density.
        ("1.0.0+20130313144700", false), ("id+1234567890", false), ("order+1234567", false), ("Wed Oct 10 20:19:24 +0000 2018", false),
        ("+0000000", false), ("avatar@2x.png", false), ("https://cdn.example.com/logo@3x.jpg", false), ("v1.2@3.4", false),
        // An address on an IPv4 domain is one (a check of the docs found it kept); a one-label domain is not recognised.
        ("ann@10.0.0.1", true), ("ann@localhost", false),
        // Unicode dashes and the underscores a locale's normalization makes of `-` (a review, 2026-12-07).
        ("+1\u{2013}555\u{2013}010\u{2013}0999", true), ("+1\u{2011}555\u{2011}010\u{2011}0999", true), ("+1_555_010_0999", true),
        ("+44\u{2212}20\u{2212}7946\u{2212}0958", true), ("snake_case+1_2", false),
    ])
    func holds(value: String, expected: Bool) {
        #expect(Addresses.holdsOne(value) == expected, "\(value)")
        var copy = value
        copy.withUTF8 { #expect(Addresses.holdsOne(UnsafeRawBufferPointer($0)) == expected, "\(value) as bytes") }
    }

    /// The pattern `EmailScanner` matches, as a regular expression: the reference it is
    /// compared with (it backtracked from every character of a long run before an `@`).
    nonisolated(unsafe) static let reference =
        /[^\s@＠<>()\[\],;:"'`]+[@＠]([0-9]{1,3}(\.[0-9]{1,3}){3}(?![0-9])|[^\s@＠<>()\[\],;:"'`.]+(\.[^\s@＠<>()\[\],;:"'`.]+)*\.[^\s@＠<>()\[\],;:"'`.0-9]{2,})/

    @Test("an attribute whose name holds an address is never a column (its header would show it)")
    func namesWithheld() {
        #expect(MemberExport.isWithheld("ann@example.com") && MemberExport.isWithheld("contact +1 555 010 0999"))
        #expect(MemberExport.isWithheld("Email") && !MemberExport.isWithheld("custom:plan") && !MemberExport.isWithheld("c++"))
    }

    @Test("the one-pass email scanner finds the ranges the regular expression finds, on 20,000 random texts")
    func scannerAgainstTheExpression() {
        // Letters, digits, the separators and the characters the pattern excludes, a
        // full-width at sign, a combining accent, an `x` (image names) and a non-ASCII letter.
        let alphabet: [String] = ["a", "b", "x", "é", "0", "1", "2", "9", ".", ".", "@", "@", "＠", "-", "_", "+", " ", ",", ";", ":", "<", "(", "\"", "'", "\u{301}", "\n", "ü"]
        var generator = SeededRandom(seed: 20_261_206)
        for round in 0..<20_000 {
            let length = Int(generator.next() % 24)
            let text = (0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }.joined()
            let expected = text.matches(of: Self.reference).map(\.range)
            #expect(EmailScanner.matches(in: text) == expected, "round \(round): \(text.debugDescription)")
        }
        for text in ["a@b.cc", "a@bb.cc.dd@ee.ff", "logo@2x.png@ee.ff", "x@1.2.3.4567.com", "a@b.com123@x.org", "a@b..com", "a@1.2.3.4.5", "@b.cc", "a@@b.cc"] {
            #expect(EmailScanner.matches(in: text) == text.matches(of: Self.reference).map(\.range), "\(text)")
        }
    }

    /// A long run before an `@` (an app version of junk) is looked at once: the expression took
    /// seconds at 4 KB, hours for a thousand such values. No time is asserted: with the
    /// expression this test would not end.
    @Test("a long run of local characters before an @, and invalid UTF-8 (U+FFFD), in one pass")
    func longRuns() {
        let long = String(repeating: "x", count: 200_000) + "@"
        #expect(!Addresses.holdsOne(long))
        #expect(Addresses.holdsOne(long + "example.com"))
        #expect(Addresses.masked(long + "example.com tail") == "(withheld) tail")
        let junk = String(decoding: [UInt8](repeating: 0xFF, count: 100_000), as: UTF8.self)
        #expect(!Addresses.holdsOne(junk))
        #expect(Addresses.masked(junk) == junk)
    }

    @Test("a text with each address in it withheld, the rest as it was")
    func masked() {
        #expect(Addresses.masked(#"{"Address":"leak@example.com","phone":"+1 555 010 0999","n":12345678}"#)
            == #"{"Address":"(withheld)","phone":"(withheld)","n":12345678}"#)
        #expect(Addresses.masked("nothing here") == "nothing here")
        #expect(Addresses.masked("call +1 555 010 0999 12345 or josé@example.com") == "call (withheld) 12345 or (withheld)")
    }
}

