/// The segments one user is a member of: a set of segment indices (`SegmentSet.names`).
///
/// A bitset: the first 64 segments in one word kept inline, so that evaluating a user
/// allocates nothing for up to 64 segments; later ones in further words.
public struct SegmentMembership: Sendable, Hashable {
    private var first: UInt64 = 0
    /// Segments 64 and up, 64 a word; its last word is never zero, so equal sets are equal
    /// values.
    private var rest: [UInt64] = []

    /// No segment.
    public init() {}

    /// Whether the user is a member of the segment at `index`.
    @inline(__always)
    public func contains(_ index: Int) -> Bool {
        if index < 64 { return index >= 0 && first & (1 << UInt64(index)) != 0 }
        let word = index / 64 - 1
        return word < rest.count && rest[word] & (1 << UInt64(index % 64)) != 0
    }

    /// Whether the user is a member of no segment.
    public var isEmpty: Bool { first == 0 && rest.isEmpty }

    /// The number of segments the user is a member of.
    public var count: Int { first.nonzeroBitCount + rest.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// The member segments' indices, ascending.
    public var indices: [Int] {
        var result: [Int] = []
        for (w, word) in ([first] + rest).enumerated() {
            var bits = word
            while bits != 0 {
                result.append(w * 64 + bits.trailingZeroBitCount)
                bits &= bits - 1
            }
        }
        return result
    }

    /// Adds the segment at `index` (not negative).
    public mutating func insert(_ index: Int) {
        precondition(index >= 0, "a segment index is not negative")
        if index < 64 {
            first |= 1 << UInt64(index)
            return
        }
        let word = index / 64 - 1
        if word >= rest.count { rest.append(contentsOf: repeatElement(0, count: word - rest.count + 1)) }
        rest[word] |= 1 << UInt64(index % 64)
    }
}
