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
    ])
    func holds(value: String, expected: Bool) {
        #expect(Addresses.holdsOne(value) == expected, "\(value)")
        var copy = value
        copy.withUTF8 { #expect(Addresses.holdsOne(UnsafeRawBufferPointer($0)) == expected, "\(value) as bytes") }
    }

    @Test("a text with each address in it withheld, the rest as it was")
    func masked() {
        #expect(Addresses.masked(#"{"Address":"leak@example.com","phone":"+1 555 010 0999","n":12345678}"#)
            == #"{"Address":"(withheld)","phone":"(withheld)","n":12345678}"#)
        #expect(Addresses.masked("nothing here") == "nothing here")
    }
}
