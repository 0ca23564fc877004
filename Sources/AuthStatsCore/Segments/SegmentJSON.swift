/// A JSON value of a segment definition file, with where it starts in the file.
///
/// Segment files are small (a few kilobytes), so they are parsed whole into this tree rather
/// than scanned: the checks that follow need the keys in file order (to report the first
/// problem a reader would see) and the byte offset of every value, which Foundation's
/// `JSONSerialization` keeps neither of. It also reads several documents back to back, as
/// appended `aws pinpoint get-segment` outputs are.
struct SegmentJSON {
    enum Value {
        /// Members in file order (duplicate keys are refused when parsing).
        case object([(key: String, value: SegmentJSON)])
        case array([SegmentJSON])
        case string(String)
        case number(Double)
        case bool(Bool)
        case null
    }

    var value: Value
    /// Byte offset of the value's first byte in the file.
    var offset: Int

    /// What the value is, as an error message names it ("expected a list, found a number").
    var kind: String {
        switch value {
        case .object: return "an object"
        case .array: return "a list"
        case .string: return "a string"
        case .number: return "a number"
        case .bool: return "true/false"
        case .null: return "null"
        }
    }
}

/// Why a file is not JSON, and where (0-based byte offset).
struct SegmentJSONSyntaxError: Error {
    var offset: Int
    var reason: String

    /// `line 3, column 7 (byte 41)`, lines and columns 1-based, columns in bytes.
    func place(in data: [UInt8]) -> String {
        var line = 1
        var lineStart = 0
        for i in 0..<min(offset, data.count) where data[i] == 0x0A {
            line += 1
            lineStart = i + 1
        }
        return "line \(line), column \(offset - lineStart + 1) (byte \(offset))"
    }
}

/// A strict JSON parser (RFC 8259) over bytes: several documents separated by whitespace.
struct SegmentJSONParser {
    private let data: [UInt8]
    private var index = 0
    private var depth = 0
    /// Deeper nesting than any definition needs is refused rather than recursed into.
    private static let maxDepth = 256

    init(_ data: [UInt8]) {
        self.data = data
        // A UTF-8 byte order mark, as some Windows editors write.
        if data.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
    }

    /// Every document in the data, in order.
    /// - Throws: `SegmentJSONSyntaxError` at the first byte that is not valid JSON.
    static func documents(_ data: [UInt8]) throws(SegmentJSONSyntaxError) -> [SegmentJSON] {
        var parser = SegmentJSONParser(data)
        var documents: [SegmentJSON] = []
        parser.skipSpace()
        while parser.index < data.count {
            documents.append(try parser.value())
            parser.skipSpace()
        }
        return documents
    }

    private mutating func skipSpace() {
        while index < data.count, [0x20, 0x0A, 0x0D, 0x09].contains(data[index]) { index += 1 }
    }

    private func fail(_ reason: String, at offset: Int? = nil) -> SegmentJSONSyntaxError {
        SegmentJSONSyntaxError(offset: offset ?? index, reason: reason)
    }

    private func found() -> String {
        guard index < data.count else { return "the end of the file" }
        let byte = data[index]
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x" + String(byte, radix: 16, uppercase: true)
    }

    private mutating func value() throws(SegmentJSONSyntaxError) -> SegmentJSON {
        skipSpace()
        let start = index
        guard index < data.count else { throw fail("expected a value, found the end of the file") }
        switch data[index] {
        case UInt8(ascii: "{"): return SegmentJSON(value: try object(), offset: start)
        case UInt8(ascii: "["): return SegmentJSON(value: try array(), offset: start)
        case UInt8(ascii: "\""): return SegmentJSON(value: .string(try string()), offset: start)
        case UInt8(ascii: "t"): try literal("true")
            return SegmentJSON(value: .bool(true), offset: start)
        case UInt8(ascii: "f"): try literal("false")
            return SegmentJSON(value: .bool(false), offset: start)
        case UInt8(ascii: "n"): try literal("null")
            return SegmentJSON(value: .null, offset: start)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return SegmentJSON(value: .number(try number()), offset: start)
        default: throw fail("expected a value, found \(found())")
        }
    }

    private mutating func nest() throws(SegmentJSONSyntaxError) {
        depth += 1
        if depth > Self.maxDepth { throw fail("nested more than \(Self.maxDepth) levels deep") }
    }

    private mutating func object() throws(SegmentJSONSyntaxError) -> SegmentJSON.Value {
        try nest()
        defer { depth -= 1 }
        index += 1  // {
        var members: [(key: String, value: SegmentJSON)] = []
        var keys: Set<String> = []
        skipSpace()
        if index < data.count && data[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipSpace()
            guard index < data.count, data[index] == UInt8(ascii: "\"") else {
                throw fail("expected a key (a string), found \(found())")
            }
            let keyOffset = index
            let key = try string()
            // Which of two equal keys counts is up to each parser; refusing is the safe answer.
            guard keys.insert(key).inserted else { throw fail("the key \"\(key)\" appears twice in one object", at: keyOffset) }
            skipSpace()
            guard index < data.count, data[index] == UInt8(ascii: ":") else {
                throw fail("expected ':' after a key, found \(found())")
            }
            index += 1
            members.append((key, try value()))
            skipSpace()
            guard index < data.count else { throw fail("expected ',' or '}', found the end of the file") }
            if data[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            guard data[index] == UInt8(ascii: ",") else { throw fail("expected ',' or '}', found \(found())") }
            index += 1
        }
    }

    private mutating func array() throws(SegmentJSONSyntaxError) -> SegmentJSON.Value {
        try nest()
        defer { depth -= 1 }
        index += 1  // [
        var elements: [SegmentJSON] = []
        skipSpace()
        if index < data.count && data[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            elements.append(try value())
            skipSpace()
            guard index < data.count else { throw fail("expected ',' or ']', found the end of the file") }
            if data[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            guard data[index] == UInt8(ascii: ",") else { throw fail("expected ',' or ']', found \(found())") }
            index += 1
        }
    }

    private mutating func literal(_ word: String) throws(SegmentJSONSyntaxError) {
        let bytes = Array(word.utf8)
        guard index + bytes.count <= data.count, data[index..<index + bytes.count].elementsEqual(bytes) else {
            throw fail("expected a value, found \(found())")
        }
        index += bytes.count
    }

    private mutating func number() throws(SegmentJSONSyntaxError) -> Double {
        let start = index
        func digits() -> Int {
            let from = index
            while index < data.count, data[index] >= 0x30 && data[index] <= 0x39 { index += 1 }
            return index - from
        }
        if data[index] == UInt8(ascii: "-") { index += 1 }
        let intStart = index
        let intDigits = digits()
        guard intDigits > 0 else { throw fail("expected a digit, found \(found())") }
        if intDigits > 1 && data[intStart] == UInt8(ascii: "0") { throw fail("a number has a leading zero", at: intStart) }
        if index < data.count && data[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw fail("expected a digit after '.', found \(found())") }
        }
        if index < data.count && (data[index] == UInt8(ascii: "e") || data[index] == UInt8(ascii: "E")) {
            index += 1
            if index < data.count && (data[index] == UInt8(ascii: "+") || data[index] == UInt8(ascii: "-")) { index += 1 }
            guard digits() > 0 else { throw fail("expected a digit in the exponent, found \(found())") }
        }
        guard let number = Double(String(decoding: data[start..<index], as: UTF8.self)), number.isFinite else {
            throw fail("the number is out of range", at: start)
        }
        return number
    }

    private mutating func string() throws(SegmentJSONSyntaxError) -> String {
        index += 1  // "
        var bytes: [UInt8] = []
        while true {
            guard index < data.count else { throw fail("the file ends inside a string") }
            let byte = data[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                let text = String(decoding: bytes, as: UTF8.self)
                guard text.utf8.elementsEqual(bytes) else { throw fail("a string is not valid UTF-8", at: index - 1) }
                return text
            case UInt8(ascii: "\\"):
                index += 1
                guard index < data.count else { throw fail("the file ends inside a string") }
                let escape = data[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(escape)
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "u"): bytes.append(contentsOf: try unicodeEscape())
                default: throw fail("an unknown escape '\\\(Character(Unicode.Scalar(escape)))' in a string", at: index - 2)
                }
            case 0x00..<0x20:
                throw fail("a control character (byte 0x\(String(byte, radix: 16, uppercase: true))) inside a string")
            default:
                bytes.append(byte)
                index += 1
            }
        }
    }

    /// After `\u`: four hex digits, and a low surrogate's `\uXXXX` after a high one.
    private mutating func unicodeEscape() throws(SegmentJSONSyntaxError) -> [UInt8] {
        let escapeStart = index - 2
        func hex4() -> UInt32? {
            guard index + 4 <= data.count,
                data[index..<index + 4].allSatisfy({ Character(Unicode.Scalar($0)).isHexDigit }),
                let value = UInt32(String(decoding: data[index..<index + 4], as: UTF8.self), radix: 16)
            else { return nil }
            index += 4
            return value
        }
        guard var code = hex4() else { throw fail("\\u is not followed by four hex digits", at: escapeStart) }
        if (0xD800..<0xDC00).contains(code) {
            guard index + 2 <= data.count, data[index] == UInt8(ascii: "\\"), data[index + 1] == UInt8(ascii: "u")
            else { throw fail("a high surrogate \\u escape without its low surrogate", at: escapeStart) }
            index += 2
            guard let low = hex4(), (0xDC00..<0xE000).contains(low) else {
                throw fail("a high surrogate \\u escape without its low surrogate", at: escapeStart)
            }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(code) else { throw fail("a lone surrogate \\u escape", at: escapeStart) }
        return Array(String(Character(scalar)).utf8)
    }
}
