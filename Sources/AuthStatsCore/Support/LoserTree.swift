/// How a k-way merge orders its sources' current elements: a type, not a closure, so that the
/// comparison is specialized and inlined into the merge (the merges compare a few times per
/// entry, millions of entries). The order must be total: elements of two sources never
/// compare equal (each merge's elements carry their source's index as the last key), so the
/// merged order does not depend on how the merge is built.
protocol MergeOrder {
    associatedtype Element
    func less(_ a: Element, _ b: Element) -> Bool
}

/// Elements by their own `<`.
struct NaturalOrder<Element: Comparable>: MergeOrder {
    @inline(__always)
    func less(_ a: Element, _ b: Element) -> Bool { a < b }
}

/// The k-way merge of the spilled runs (`SortedRecords`, `DuplicateFilter`'s fingerprints,
/// `ActivityGroups`): a tournament tree of losers over one current element per source.
///
/// Each internal node keeps the source that lost the match played there; the winner of the
/// whole tree, the smallest element, is on top. When the top's source moves on, only the
/// matches on its path to the root are played again: ⌈log₂ k⌉ comparisons for k sources. A
/// binary heap, which the merges used until 2026-12-05, compares two children and then the
/// sinking element at each level, about twice as many (the bench set's end phase: the three
/// merges' heaps ~0.9 G instructions of ~4 G).
///
/// Sources are the leaves, by their index; one that ends stays in the tree as a leaf that loses
/// every match.
final class LoserTree<Order: MergeOrder> {
    typealias Element = Order.Element
    private let order: Order
    private let count: Int
    /// Each source's current element, valid where `live`.
    private let heads: UnsafeMutablePointer<Element>
    private let live: UnsafeMutablePointer<Bool>
    /// `tree[0]`: the winner's source; `tree[1..<count]`: the loser of each internal node (node
    /// n plays its children 2n and 2n + 1; source i is node count + i).
    private let tree: UnsafeMutablePointer<Int>

    /// A tree over `elements`, each a source's first element (nil: that source is empty).
    init(order: Order, _ elements: [Element?]) {
        self.order = order
        count = elements.count
        heads = .allocate(capacity: max(count, 1))
        live = .allocate(capacity: max(count, 1))
        tree = .allocate(capacity: max(count, 1))
        for (source, element) in elements.enumerated() {
            live[source] = element != nil
            if let element { (heads + source).initialize(to: element) }
        }
        tree[0] = count > 0 ? build(1) : 0
    }

    deinit {
        for source in 0..<count where live[source] { (heads + source).deinitialize(count: 1) }
        heads.deallocate()
        live.deallocate()
        tree.deallocate()
    }

    /// Plays the matches under `node`; returns their winner, each node keeping its loser.
    private func build(_ node: Int) -> Int {
        if node >= count { return node - count }
        let a = build(2 * node)
        let b = build(2 * node + 1)
        if beats(a, b) {
            tree[node] = b
            return a
        }
        tree[node] = a
        return b
    }

    /// Whether source `a`'s element comes before source `b`'s (an ended source never does).
    @inline(__always)
    private func beats(_ a: Int, _ b: Int) -> Bool {
        live[a] && (!live[b] || order.less(heads[a], heads[b]))
    }

    /// The smallest current element; nil when every source has ended.
    var top: Element? {
        let winner = tree[0]
        return count > 0 && live[winner] ? heads[winner] : nil
    }

    /// Puts `element` in the place of the top (its source moved on to it) and plays its path.
    @inline(__always)
    func replaceTop(_ element: Element) {
        let source = tree[0]
        heads[source] = element
        replay(source)
    }

    /// The top's source has ended: removes it and returns its element.
    @discardableResult
    func pop() -> Element? {
        let source = tree[0]
        guard count > 0 && live[source] else { return nil }
        let element = (heads + source).move()
        live[source] = false
        replay(source)
        return element
    }

    /// Plays source `source`'s matches again, from its leaf to the root.
    @inline(__always)
    private func replay(_ source: Int) {
        var winner = source
        var node = (source + count) >> 1
        while node > 0 {
            let other = tree[node]
            if beats(other, winner) {
                tree[node] = winner
                winner = other
            }
            node >>= 1
        }
        tree[0] = winner
    }
}
