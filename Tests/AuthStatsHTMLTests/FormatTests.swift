import AuthStatsCore
import Foundation
import Testing

@testable import AuthStatsHTML

@Suite("report.html: numbers, dates and durations as the page writes them")
struct FormatTests {
    @Test("counts with thousands separators", arguments: [
        (0, "0"), (7, "7"), (999, "999"), (1000, "1,000"), (12_345, "12,345"), (1_234_567, "1,234,567"), (-1024, "-1,024"),
    ])
    func counts(value: Int, text: String) {
        #expect(Format.count(value) == text)
    }

    /// `count` and `coordinate` write their digits into a byte buffer; a second statement of
    /// each, through `String`s, over small, round, negative and extreme values.
    @Test("counts and coordinates equal the same numbers written through String")
    func numbersAsBytes() {
        func grouped(_ value: Int) -> String {
            let digits = Array(String(value.magnitude))
            var out = ""
            for (index, digit) in digits.enumerated() {
                if index > 0 && (digits.count - index) % 3 == 0 { out += "," }
                out.append(digit)
            }
            return (value < 0 ? "-" : "") + out
        }
        var values = [Int.min, Int.max, Int.min + 1, -1, 0, 1, 99, 100, 999_999, 1_000_000, -100_000]
        for power in 0..<19 {
            let p = Int(pow(10.0, Double(power)))
            values += [p - 1, p, p + 1, -p]
        }
        for value in values { #expect(Format.count(value) == grouped(value), "\(value)") }
        #expect(Format.count(Int.min) == "-9,223,372,036,854,775,808")
        for tenth in [-12_345, -10, -5, -1, 0, 1, 5, 10, 125, 1_000, 99_999_999] {
            let value = Double(tenth) / 10
            let magnitude = tenth.magnitude
            let sign = tenth < 0 ? "-" : ""
            let expected = magnitude % 10 == 0 ? "\(sign)\(magnitude / 10)" : "\(sign)\(magnitude / 10).\(magnitude % 10)"
            #expect(Format.coordinate(value) == expected, "\(value)")
        }
        #expect(Format.coordinate(12.25) == "12.3" && Format.coordinate(-0.04) == "0" && Format.coordinate(-0.05) == "-0.1")
    }

    @Test("percentages with one decimal, rounded half up on integers")
    func percentages() {
        #expect(Format.percent(1, 3) == "33.3%")
        #expect(Format.percent(2, 3) == "66.7%")
        #expect(Format.percent(1, 8) == "12.5%")
        #expect(Format.percent(1, 16) == "6.3%")  // 6.25 rounds up
        #expect(Format.percent(5, 0) == "0.0%")
        #expect(Format.percent(3, 3) == "100.0%")
        #expect(Format.permille(-1, 16) == -63)
        #expect(Format.tenths(-5) == "-0.5")
        #expect(Format.mean(95, 10) == "9.5")
        #expect(Format.mean(1, 3) == "0.3")
        #expect(Format.mean(0, 0) == "0")
    }

    @Test("durations", arguments: [
        (Int64(0), "0s"), (45, "45s"), (60, "1m 00s"), (368, "6m 08s"), (3600, "1h 00m"), (5430, "1h 30m"), (-3, "0s"),
    ])
    func durations(seconds: Int64, text: String) {
        #expect(Format.duration(seconds) == text)
    }

    @Test("axis labels of durations")
    func durationTicks() {
        #expect([0, 30, 120, 150, 3600, 5400].map(Format.durationTick) == ["0", "30s", "2m", "2m 30s", "1h", "1h 30m"])
    }

    @Test("days: weekday, short and long forms")
    func days() {
        #expect(Format.weekday(Day(iso: "1970-01-01")!) == "Thu")
        #expect(Format.weekday(Day(iso: "2026-10-28")!) == "Wed")
        #expect(Format.weekday(Day(iso: "1969-12-29")!) == "Mon")
        #expect(Format.longDay(Day(iso: "2026-11-01")!) == "Sun 2026-11-01")
        #expect(Format.shortDay(Day(iso: "2026-11-01")!) == "Nov 1")
        #expect(Format.shortDay(Day(iso: "2027-01-05")!, year: true) == "Jan 5 2027")
    }

    @Test("SVG coordinates with at most one decimal")
    func coordinates() {
        #expect(Format.coordinate(12) == "12")
        #expect(Format.coordinate(12.34) == "12.3")
        #expect(Format.coordinate(12.25) == "12.3")
        #expect(Format.coordinate(-0.04) == "0")
        #expect(Format.coordinate(-3.5) == "-3.5")
    }
}

@Suite("report.html: SHA-256 for the Content-Security-Policy hashes")
struct SHA256Tests {
    func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    @Test("FIPS 180-2 test vectors")
    func vectors() {
        #expect(hex(SHA256.digest([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex(SHA256.digest(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            hex(SHA256.digest(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            hex(SHA256.digest([UInt8](repeating: 0x61, count: 1_000_000)))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("base64 and the CSP source form")
    func base64() {
        #expect(SHA256.base64(Array("".utf8)) == "")
        #expect(SHA256.base64(Array("f".utf8)) == "Zg==")
        #expect(SHA256.base64(Array("fo".utf8)) == "Zm8=")
        #expect(SHA256.base64(Array("foo".utf8)) == "Zm9v")
        #expect(SHA256.base64(Array("foobar".utf8)) == "Zm9vYmFy")
        #expect(SHA256.cspSource("") == "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='")
    }
}
