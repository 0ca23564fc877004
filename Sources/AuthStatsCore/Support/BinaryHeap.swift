/// How a `BinaryHeap` orders its elements: a type, not a closure, so that the comparison is
/// specialized and inlined into the heap (the k-way merges compare a few times per entry,
/// millions of entries).
protocol HeapOrder {
    associatedtype Element
    func less(_ a: Element, _ b: Element) -> Bool
}

/// Elements by their own `<`.
struct NaturalOrder<Element: Comparable>: HeapOrder {
    @inline(__always)
    func less(_ a: Element, _ b: Element) -> Bool { a < b }
}

/// A binary min-heap: the k-way merges of spilled runs use it.
struct BinaryHeap<Order: HeapOrder> {
    typealias Element = Order.Element
    private var items: [Element] = []
    private let order: Order

    init(order: Order) { self.order = order }

    var isEmpty: Bool { items.isEmpty }

    /// - Complexity: O(log n).
    mutating func push(_ element: Element) {
        items.append(element)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard order.less(items[child], items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    /// The smallest element.
    var top: Element? { items.first }

    /// Puts `element` in the top's place and restores the order: what a k-way merge does after
    /// each step (the cursor just read moves on), in one pass down instead of a pop and a push.
    /// - Complexity: O(log n).
    mutating func replaceTop(_ element: Element) {
        precondition(!items.isEmpty, "replaceTop on an empty heap")
        let order = self.order
        items.withUnsafeMutableBufferPointer { b in
            let n = b.count
            var hole = 0
            while true {
                let left = 2 * hole + 1
                guard left < n else { break }
                var child = left
                if left + 1 < n && order.less(b[left + 1], b[left]) { child = left + 1 }
                guard order.less(b[child], element) else { break }
                b[hole] = b[child]
                hole = child
            }
            b[hole] = element
        }
    }

    /// The smallest element, removed. - Complexity: O(log n).
    mutating func pop() -> Element? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty { replaceTop(last) }
        return top
    }
}

extension BinaryHeap {
    /// A heap ordered by the elements' `<`.
    init<E: Comparable>() where Order == NaturalOrder<E> { self.init(order: NaturalOrder()) }
}
