import Foundation

/// Text that is equal only to the same UTF-8 bytes: a dimension value, a project id or a
/// segment name is kept as written and compared as exact text (`docs/metrics.md`
/// "Dimensions"). `String`'s own `==` and hash treat canonically equivalent forms as one
/// ("café" written with U+00E9, or with `e` and U+0301): keyed by `String`, two values that a
/// report must keep apart were one row, under whichever spelling came first.
public struct ExactText: Hashable, Sendable {
    public var text: String

    public init(_ text: String) { self.text = text }

    public static func == (a: ExactText, b: ExactText) -> Bool { same(a.text, b.text) }

    public func hash(into hasher: inout Hasher) {
        let count = text.utf8.count
        if text.utf8.withContiguousStorageIfAvailable({ hasher.combine(bytes: UnsafeRawBufferPointer($0)) }) == nil {
            for byte in text.utf8 { hasher.combine(byte) }
        }
        hasher.combine(count)
    }

    /// Whether `a` and `b` are the same bytes.
    @inline(__always)
    public static func same(_ a: String, _ b: String) -> Bool {
        let count = a.utf8.count
        guard count == b.utf8.count else { return false }
        let compared = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y in count == 0 || memcmp(x.baseAddress!, y.baseAddress!, count) == 0 }
        }
        if let compared, let compared { return compared }
        return a.utf8.elementsEqual(b.utf8)
    }

    /// Whether `a` comes before `b` in the order of their UTF-8 bytes (the reports' order of
    /// names and values): `a.utf8.lexicographicallyPrecedes(b.utf8)`, by `memcmp` where both
    /// are contiguous (the generic comparison was most of sorting 10,000 breakdown rows).
    @inline(__always)
    public static func precedes(_ a: String, _ b: String) -> Bool {
        let ordered = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y in
                let common = min(x.count, y.count)
                let order = common == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, common)
                return order != 0 ? order < 0 : x.count < y.count
            }
        }
        if let ordered, let ordered { return ordered }
        return a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}
