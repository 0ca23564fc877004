import Foundation

/// `body(i)` for every `i` in `0..<count`, on `threads` threads (thread `t` takes `t`,
/// `t + threads`, …), the results in index order: the parts of a job split over threads,
/// joined in an order that does not depend on which thread finished first (session shards,
/// day buckets of duplicates). `body` must be safe to call from several threads at once.
public func concurrentMap<Value>(count: Int, threads: Int, _ body: (Int) -> Value) -> [Value] {
    withoutActuallyEscaping(body) { body in
        let slots = LockedSlots(count: count, body)
        let threads = max(1, min(threads, count))
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for index in stride(from: thread, to: count, by: threads) { slots.fill(index) }
        }
        return slots.all
    }
}

/// `concurrentMap`'s results, each set by the thread that made it (under a lock).
private final class LockedSlots<Value>: @unchecked Sendable {
    // Unchecked: `slots` is only touched under `lock`; `body` is called from several threads,
    // which `concurrentMap`'s callers allow.
    private let lock = NSLock()
    private var slots: [Value?]
    private let body: (Int) -> Value

    init(count: Int, _ body: @escaping (Int) -> Value) {
        slots = Array(repeating: nil, count: count)
        self.body = body
    }

    func fill(_ index: Int) {
        let value = body(index)
        lock.lock()
        slots[index] = value
        lock.unlock()
    }

    var all: [Value] {
        lock.lock()
        defer { lock.unlock() }
        return slots.map { $0! }
    }
}
