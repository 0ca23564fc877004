/// A text kept in place when its UTF-8 fits in `inlineCapacity` bytes (ids: user subs, client
/// ids, session ids), else as a `String`.
///
/// As `String`s, ids longer than 15 bytes (a UUID is 36) each cost an allocation, a free and
/// reference counting; here they are copied bytes. An event keeps its ids as the in-place part
/// alone (`InlineText`, in `EventIDs`), which copies as plain bytes.
public struct ShortText: Sendable, Equatable {
    public static let inlineCapacity = InlineText.capacity

    /// The bytes, or the mark that `long` holds the text.
    fileprivate var inline: InlineText
    private var long: String?

    /// The text of `bytes`, which must be valid UTF-8.
    @inline(__always)
    public init(utf8 bytes: UnsafeRawBufferPointer) {
        if let inline = InlineText(utf8: bytes) {
            self.inline = inline
        } else {
            inline = .long
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
        if !inline.isLong { return try inline.withUTF8(body) }
        var copy = long!
        return try copy.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
    }

    public var string: String {
        if inline.isLong { return long! }
        return withUTF8 { String(decoding: $0, as: UTF8.self) }
    }

    public var isEmpty: Bool { withUTF8 { $0.isEmpty } }

    public static func == (a: ShortText, b: ShortText) -> Bool {
        a.withUTF8 { x in b.withUTF8 { y in x.elementsEqual(y) } }
    }
}

extension ShortText: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(value) }
}

/// The in-place part of a `ShortText`: its bytes when they fit in `capacity`, else only the
/// mark that the text is longer (`isLong`), kept elsewhere.
///
/// Trivially copyable: an event holds its ids this way (`EventIDs`, with a longer id in a box
/// beside them, one reference, nil nearly always), so that copying and releasing an event
/// copies their bytes. With `ShortText`s (an optional `String` inside each, for the long case)
/// copying and releasing events went through the runtime's copy and release of each, ~1,000
/// instructions a record: the bench set's first 400 files at `--jobs 1` ran 7% fewer
/// instructions without them.
struct InlineText: Sendable, BitwiseCopyable {
    static let capacity = 48

    private var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
    /// The length; -1 when the text is longer than `capacity`.
    private var count: Int8 = 0

    /// The mark of a text longer than `capacity`.
    static let long: InlineText = {
        var mark = InlineText()
        mark.count = -1
        return mark
    }()

    private init() {}

    /// The bytes in place; nil when they are longer than `capacity`.
    @inline(__always)
    init?(utf8 bytes: UnsafeRawBufferPointer) {
        guard bytes.count <= Self.capacity else { return nil }
        count = Int8(bytes.count)
        if let source = bytes.baseAddress, bytes.count > 0 {
            withUnsafeMutableBytes(of: &words) { $0.baseAddress!.copyMemory(from: source, byteCount: bytes.count) }
        }
    }

    /// The in-place part of `text`.
    init(_ text: ShortText) { self = text.inline }

    var isLong: Bool { count < 0 }

    /// Calls `body` with the bytes; only for a text that is not `isLong`.
    @inline(__always)
    func withUTF8<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        precondition(!isLong, "a long text is kept beside its InlineText")
        return try withUnsafeBytes(of: words) { try body(UnsafeRawBufferPointer(rebasing: $0[0..<Int(count)])) }
    }
}
