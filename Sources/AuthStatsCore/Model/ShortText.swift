/// A text kept in place when its UTF-8 fits in `inlineCapacity` bytes (ids: user subs, client
/// ids, session ids), else as a `String`.
///
/// Every event carries a user id and often a session id. As `String`s, ids longer than 15
/// bytes (a UUID is 36) each cost an allocation, a free and reference counting per event;
/// here they are copied bytes, read straight from the record.
public struct ShortText: Sendable, Equatable {
    public static let inlineCapacity = 48

    private var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
    /// The inline length, or `Int8.max` when `long` holds the text.
    private var inlineCount: Int8 = 0
    private var long: String?

    /// The text of `bytes`, which must be valid UTF-8.
    @inline(__always)
    public init(utf8 bytes: UnsafeRawBufferPointer) {
        if bytes.count <= Self.inlineCapacity {
            inlineCount = Int8(bytes.count)
            if let source = bytes.baseAddress, bytes.count > 0 {
                withUnsafeMutableBytes(of: &words) { $0.baseAddress!.copyMemory(from: source, byteCount: bytes.count) }
            }
        } else {
            inlineCount = .max
            long = String(decoding: bytes, as: UTF8.self)
        }
    }

    public init(_ string: String) {
        var copy = string
        self = copy.withUTF8 { ShortText(utf8: UnsafeRawBufferPointer($0)) }
    }

    /// Calls `body` with the text's UTF-8 bytes.
    @inline(__always)
    public func withUTF8<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        if inlineCount != .max {
            return try withUnsafeBytes(of: words) { try body(UnsafeRawBufferPointer(rebasing: $0[0..<Int(inlineCount)])) }
        }
        var copy = long!
        return try copy.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
    }

    public var string: String {
        if inlineCount == .max { return long! }
        return withUTF8 { String(decoding: $0, as: UTF8.self) }
    }

    public var isEmpty: Bool { inlineCount == 0 }

    public static func == (a: ShortText, b: ShortText) -> Bool {
        a.withUTF8 { x in b.withUTF8 { y in x.elementsEqual(y) } }
    }
}

extension ShortText: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(value) }
}
