@testable import AuthStatsCore
import Testing

/// `Varint.get` reads a word at a time where it can; `getByBytes` is the rule it must follow,
/// byte for byte: the same value, the same position after it, nil in the same cases.
@Suite struct VarintTests {
    /// Both readers over `bytes` from `start`, until either ends.
    static func expectSame(_ bytes: [UInt8], from start: Int = 0, _ label: String) {
        bytes.withUnsafeBytes { raw in
            var fast = start
            var slow = start
            while slow < raw.count {
                let a = Varint.get(raw, &fast)
                let b = Varint.getByBytes(raw, &slow)
                #expect(a == b && fast == slow, "\(label): at \(slow), \(String(describing: a)) vs \(String(describing: b))")
                if a != b || fast != slow || b == nil { return }
            }
        }
    }

    @Test("every length from 1 to 10 bytes, with 0 to 12 bytes after it, and every cut")
    func everyLength() {
        var values: [UInt64] = [0, 1, 0x7F, 0x80, 0x3FFF, 0x4000, UInt64.max, UInt64.max - 1, 1 << 63, 1 << 56, (1 << 56) - 1]
        var random = SystemRandomNumberGeneratorStandIn(seed: 11)
        for bits in 1...64 {
            for _ in 0..<8 { values.append(random.next() >> (64 - bits)) }
        }
        for value in values {
            var encoded: [UInt8] = []
            Varint.put(value, &encoded)
            for after in 0...12 {
                let bytes = encoded + [UInt8](repeating: 0x81, count: after / 2) + [UInt8](repeating: 0x05, count: after - after / 2)
                Self.expectSame(bytes, "\(value) + \(after)")
                Self.expectSame([0x11, 0x22] + bytes, from: 2, "\(value) + \(after), at 2")
                bytes.withUnsafeBytes { raw in
                    var at = 0
                    #expect(Varint.get(raw, &at) == value && at == encoded.count, "\(value) + \(after)")
                }
            }
            for cut in 0..<encoded.count { Self.expectSame(Array(encoded.prefix(cut)), "\(value) cut at \(cut)") }
        }
    }

    @Test("longer than 64 bits: nil, as a byte at a time reads it, however many bytes follow")
    func tooLong() {
        for count in 10...16 {
            for last: UInt8 in [0x00, 0x01, 0x7F, 0x80] {
                let bytes = [UInt8](repeating: 0xFF, count: count - 1) + [last] + [UInt8](repeating: 0, count: 8)
                Self.expectSame(bytes, "\(count) bytes ending \(last)")
            }
        }
        // Ten bytes whose last carries more than the 64th bit: both keep its lowest bit only.
        let wide = [UInt8](repeating: 0x80, count: 9) + [0x7F] + [UInt8](repeating: 0, count: 6)
        Self.expectSame(wide, "a wide tenth byte")
    }
}
