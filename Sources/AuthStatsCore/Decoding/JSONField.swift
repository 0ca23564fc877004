/// The JSON type of an extracted value.
public enum JSONValueType: UInt8, Sendable {
    case absent, string, number, bool, null, object, array
}

/// Where one extracted value lies in the record: byte offsets into the scanned buffer.
///
/// For a string, `start..<end` excludes the quotes and `hasEscapes` says whether it must be
/// unescaped before use; for other types it covers the whole value.
public struct JSONField: Sendable, Equatable {
    public var type: JSONValueType
    public var start: Int
    public var end: Int
    public var hasEscapes: Bool

    public static let absent = JSONField(type: .absent, start: 0, end: 0, hasEscapes: false)

    public init(type: JSONValueType, start: Int, end: Int, hasEscapes: Bool) {
        self.type = type
        self.start = start
        self.end = end
        self.hasEscapes = hasEscapes
    }

    /// The string value, unescaped; nil unless the value is a string.
    public func string(in bytes: UnsafeRawBufferPointer) -> String? {
        guard type == .string else { return nil }
        let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
        if !hasEscapes { return String(decoding: raw, as: UTF8.self) }
        return String(decoding: JSONField.unescape(raw), as: UTF8.self)
    }

    /// The non-empty string value, or nil.
    public func nonEmptyString(in bytes: UnsafeRawBufferPointer) -> String? {
        guard type == .string, end > start else { return nil }
        return string(in: bytes)
    }

    /// The value as an exact integer: a JSON number without fraction, or with an exponent or
    /// zero fraction that still names an integer (`1.7e12`); nil otherwise.
    public func integer(in bytes: UnsafeRawBufferPointer) -> Int64? {
        guard type == .number else { return nil }
        var value: Int64 = 0
        var index = start
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        var simple = true
        // Eight digits at a time (a timestamp's 13 in one step and five), then byte by byte.
        while end - index >= 8 {
            let word = EightDigits.load(bytes.baseAddress! + index)
            guard EightDigits.areDigits(word) else { break }
            let (m, o1) = value.multipliedReportingOverflow(by: 100_000_000)
            let (s, o2) = m.addingReportingOverflow(Int64(EightDigits.value(word)))
            if o1 || o2 { return nil }
            value = s
            index += 8
        }
        // The last one to seven digits of a number of eight or more at once: the eight bytes
        // that end where it ends, all digits (those before the rest were read already).
        let rest = end - index
        if rest > 0 && rest < 8 && end - 8 >= start + (negative ? 1 : 0) {
            let word = EightDigits.load(bytes.baseAddress! + end - 8)
            if EightDigits.areDigits(word) {
                let (m, o1) = value.multipliedReportingOverflow(by: Int64(EightDigits.tenToThe(rest)))
                let (s, o2) = m.addingReportingOverflow(Int64(EightDigits.value(last: rest, of: word)))
                if o1 || o2 { return nil }
                return negative ? -s : s
            }
        }
        while index < end {
            let c = bytes[index]
            guard c >= 0x30 && c <= 0x39 else { simple = false; break }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(c - 0x30))
            if o1 || o2 { return nil }
            value = s
            index += 1
        }
        if simple { return negative ? -value : value }
        return Self.exactInteger(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
    }

    /// A number with a fraction or an exponent (`1.7e12`, `1793663596528.0`) as the integer it
    /// names, decided on its digits: nil when a digit is left after the point (through a
    /// `Double`, `1793663596528.0000001` rounded to an integer and was taken as one).
    static func exactInteger(_ text: UnsafeRawBufferPointer) -> Int64? {
        var index = 0
        let negative = text.first == UInt8(ascii: "-")
        if negative { index += 1 }
        // The significant digits, without the point, and the power of ten they are scaled by.
        var digits: [UInt8] = []
        var scale = 0
        var afterPoint = false
        while index < text.count {
            let c = text[index]
            if c >= 0x30 && c <= 0x39 {
                if !(digits.isEmpty && c == 0x30) { digits.append(c - 0x30) }
                if afterPoint { scale -= 1 }
            } else if c == UInt8(ascii: ".") {
                afterPoint = true
            } else {
                break
            }
            index += 1
        }
        if index < text.count {
            // The exponent: e, a sign, digits (anything else is not a number).
            guard text[index] | 0x20 == UInt8(ascii: "e") else { return nil }
            index += 1
            var exponentNegative = false
            if index < text.count && (text[index] == UInt8(ascii: "-") || text[index] == UInt8(ascii: "+")) {
                exponentNegative = text[index] == UInt8(ascii: "-")
                index += 1
            }
            guard index < text.count else { return nil }
            var exponent = 0
            while index < text.count {
                let c = text[index]
                guard c >= 0x30 && c <= 0x39 else { return nil }
                exponent = min(exponent * 10 + Int(c - 0x30), 1_000_000)
                index += 1
            }
            scale += exponentNegative ? -exponent : exponent
        }
        while let last = digits.last, last == 0, scale < 0 {
            digits.removeLast()
            scale += 1
        }
        if digits.isEmpty { return 0 }
        guard scale >= 0, digits.count + scale <= 19 else { return nil }
        var value: Int64 = 0
        for digit in digits + [UInt8](repeating: 0, count: scale) {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = m.addingReportingOverflow(Int64(digit))
            if o1 || o2 { return nil }
            value = sum
        }
        return negative ? -value : value
    }

    /// The raw text of the value (for messages).
    public func text(in bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    }

    /// Resolves JSON escapes of an already validated string body.
    static func unescape(_ raw: UnsafeRawBufferPointer) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = 0
        func hex4(_ at: Int) -> UInt32 {
            var v: UInt32 = 0
            for k in 0..<4 {
                let c = raw[at + k]
                let d: UInt8 = c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10
                v = v << 4 | UInt32(d)
            }
            return v
        }
        while i < raw.count {
            let c = raw[i]
            guard c == UInt8(ascii: "\\") else {
                out.append(c)
                i += 1
                continue
            }
            let e = raw[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hex4(i)
                i += 4
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    let low = hex4(i + 2)
                    i += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                out.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
            default: out.append(e)
            }
        }
        return out
    }
}

/// Eight ASCII bytes as one little-endian word: whether all are digits, and their value
/// (SWAR). A number's digits are read a word at a time: 13-digit timestamps, three or four
/// a Pinpoint record, had cost ~100 instructions each to validate and as many to read.
enum EightDigits {
    @inline(__always)
    static func load(_ at: UnsafeRawPointer) -> UInt64 { UInt64(littleEndian: at.loadUnaligned(as: UInt64.self)) }

    /// A flag (the high nibble) on each byte of the word that is not `0`–`9`. A digit's byte
    /// less `0` is 0–9, and 6 more stays below 16; any other byte reaches 16 in one of the two.
    /// Only a byte of 250 or more carries into the next, and that byte is flagged itself: the
    /// lowest flag is exact.
    @inline(__always)
    static func nonDigits(_ word: UInt64) -> UInt64 {
        let t = word ^ 0x3030_3030_3030_3030
        return (t | (t &+ 0x0606_0606_0606_0606)) & 0xF0F0_F0F0_F0F0_F0F0
    }

    /// Every byte is `0`–`9`.
    @inline(__always)
    static func areDigits(_ word: UInt64) -> Bool { nonDigits(word) == 0 }

    /// How many of the word's bytes, from the first (lowest), are digits in a row (0–8).
    @inline(__always)
    static func leadingDigits(_ word: UInt64) -> Int { nonDigits(word).trailingZeroBitCount >> 3 }

    /// The value of the last `count` (1–7) digits of a word of eight digits (`areDigits`):
    /// the bytes before them (the lowest) made `0`s.
    @inline(__always)
    static func value(last count: Int, of word: UInt64) -> UInt64 {
        let before = UInt64.max >> UInt64(8 * count)
        return value(word & ~before | 0x3030_3030_3030_3030 & before)
    }

    /// 10 to the power of `n` (0–8).
    @inline(__always)
    static func tenToThe(_ n: Int) -> UInt64 {
        switch n {
        case 0: 1
        case 1: 10
        case 2: 100
        case 3: 1_000
        case 4: 10_000
        case 5: 100_000
        case 6: 1_000_000
        case 7: 10_000_000
        default: 100_000_000
        }
    }

    /// The value of eight digits (`areDigits`), the first in the lowest byte: pairs, then
    /// fours, then the eight.
    @inline(__always)
    static func value(_ word: UInt64) -> UInt64 {
        var v = word &- 0x3030_3030_3030_3030
        v = (v &* 10 &+ (v >> 8)) & 0x00FF_00FF_00FF_00FF
        v = (v &* 100 &+ (v >> 16)) & 0x0000_FFFF_0000_FFFF
        return (v &* 10_000 &+ (v >> 32)) & 0xFFFF_FFFF
    }
}
