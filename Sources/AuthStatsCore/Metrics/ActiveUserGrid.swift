/// Active users per (day, dimension, value), counted in one flat array: each user-day adds
/// one to every distinct value its profiles have, once per dimension (`docs/metrics.md`
/// "Breakdown").
struct ActiveUserGrid {
    /// Each profile's value ids, `Dimension.allCases.count` per profile.
    private let profileValues: [UInt32]
    /// Where each dimension's values start within one day's stretch of `counts`.
    private let base: [Int]
    private let stride: Int
    /// Dense counts when days × values is small (the usual case), else a sparse table: many
    /// years × a high-cardinality custom attribute must not allocate every cell.
    private var counts: [Int32]
    private var sparse: [Int: Int32] = [:]
    private let dense: Bool
    static let denseCells = 1 << 22
    private var seen: [Int] = []
    private static let dimensions = Dimension.allCases.count

    init(table: DimensionTable, days: Int) {
        profileValues = table.profileValues
        var base: [Int] = []
        var total = 0
        for d in 0..<Self.dimensions {
            base.append(total)
            total += table.strings[d].count
        }
        self.base = base
        stride = total
        dense = days * total <= Self.denseCells
        counts = [Int32](repeating: 0, count: dense ? max(1, days * total) : 0)
    }

    @inline(__always)
    private mutating func bump(_ cell: Int) {
        if dense { counts[cell] += 1 } else { sparse[cell, default: 0] += 1 }
    }

    /// One user active on day offset `day` under `profiles` (distinct, ascending).
    mutating func addUser(day: Int, profiles: [UInt32]) {
        let row = day * stride
        if profiles.count == 1 {
            let p = Int(profiles[0]) * Self.dimensions
            for d in 0..<Self.dimensions { bump(row + base[d] + Int(profileValues[p + d])) }
            return
        }
        // Several profiles: a value they share counts once.
        seen.removeAll(keepingCapacity: true)
        for profile in profiles {
            let p = Int(profile) * Self.dimensions
            for d in 0..<Self.dimensions {
                let cell = row + base[d] + Int(profileValues[p + d])
                if !seen.contains(cell) {
                    seen.append(cell)
                    bump(cell)
                }
            }
        }
    }

    func users(day: Int, _ dimension: Dimension, _ value: UInt32) -> Int {
        let cell = day * stride + base[dimension.rawValue] + Int(value)
        return Int(dense ? counts[cell] : sparse[cell, default: 0])
    }

    /// Every cell counted: its day offset, dimension, value id and users (dense cells in
    /// order; sparse ones in no order).
    func forEachCount(_ body: (Int, Dimension, UInt32, Int) -> Void) {
        func visit(_ cell: Int, _ n: Int) {
            let (day, within) = cell.quotientAndRemainder(dividingBy: stride)
            var d = Self.dimensions - 1
            while base[d] > within { d -= 1 }
            body(day, Dimension(rawValue: d)!, UInt32(within - base[d]), n)
        }
        guard stride > 0 else { return }
        if dense {
            for (cell, n) in counts.enumerated() where n != 0 { visit(cell, Int(n)) }
        } else {
            for (cell, n) in sparse where n != 0 { visit(cell, Int(n)) }
        }
    }
}
