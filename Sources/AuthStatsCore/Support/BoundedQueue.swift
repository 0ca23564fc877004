import Foundation

/// A first-in, first-out queue of at most `capacity` elements between threads: `put` waits for
/// room, `take` waits for an element and returns nil once the queue is closed and empty.
///
/// Several takers share one queue, so a thread that is done takes the next piece of work
/// whichever thread is slow; each taker still gets its elements in the order they were put.
final class BoundedQueue<Element>: @unchecked Sendable {
    // Unchecked: every member is guarded by `condition`.
    private let condition = NSCondition()
    private var elements: [Element?] = []
    private var head = 0
    private var closed = false
    let capacity: Int

    init(capacity: Int) {
        precondition(capacity > 0, "a queue holds at least one element")
        self.capacity = capacity
    }

    /// Adds `element` at the end, waiting while the queue is full.
    func put(_ element: Element) {
        condition.lock()
        defer { condition.unlock() }
        precondition(!closed, "nothing is put after close()")
        while elements.count - head >= capacity { condition.wait() }
        if head >= capacity {  // the taken ones' slots, dropped now and then
            elements.removeFirst(head)
            head = 0
        }
        elements.append(element)
        condition.broadcast()
    }

    /// The first element, waiting while there is none; nil once the queue is closed and empty.
    func take() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while head == elements.count && !closed { condition.wait() }
        guard head < elements.count else { return nil }
        let element = elements[head]
        elements[head] = nil
        head += 1
        condition.broadcast()
        return element
    }

    /// No more elements: takers get what is left, then nil.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
