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

/// Jobs made one after another by `next` (on the calling thread), worked on by `work` on up to
/// `threads` threads at once, their results handed to `take` (on the calling thread) in the
/// order the jobs were made: the parts of a file read in order and parsed in parallel (a user
/// directory's lines). At most `threads + 1` jobs are made and not yet taken, so memory is
/// bounded by the jobs' size, not the input's. With one thread, each job is worked on where it
/// is made, with no other thread.
func inOrder<Job: Sendable, Result: Sendable>(
    threads: Int, next: () -> Job?, work: @escaping @Sendable (Job) -> Result, take: (Result) -> Void
) {
    guard threads > 1 else {
        while let job = next() { take(work(job)) }
        return
    }
    var pending: [PendingResult<Result>] = []  // oldest first
    while true {
        while pending.count >= threads + 1 { take(pending.removeFirst().wait()) }
        guard let job = next() else { break }
        let result = PendingResult<Result>()
        pending.append(result)
        DispatchQueue.global().async { result.fill(work(job)) }
    }
    for result in pending { take(result.wait()) }
}

/// One job's result for `inOrder`, set on the thread that worked on it and taken on the
/// calling one.
private final class PendingResult<Value>: @unchecked Sendable {
    // Unchecked: `value` is written once before `done` is signalled and read after it.
    private var value: Value?
    private let done = DispatchSemaphore(value: 0)

    func fill(_ value: Value) {
        self.value = value
        done.signal()
    }

    func wait() -> Value {
        done.wait()
        defer { value = nil }
        return value!
    }
}
