import Foundation

/// Runs `first` and `second` at once, on two threads, each touching only its own objects (and
/// what is safe to share). When a part throws, `stop` runs (it may ask the other part to stop
/// early: it must be safe to call from either thread). Then the error of the lowest part is
/// thrown, passing over the `CancellationError` of a part that stopped because the other failed
/// (with both failing for their own reasons, which one is found first depends on timing).
public func bothAtOnce(_ first: () throws -> Void, _ second: () throws -> Void, stop: () -> Void = {}) throws {
    try withoutActuallyEscaping(first) { first in
        try withoutActuallyEscaping(second) { second in
            try withoutActuallyEscaping(stop) { stop in
                let parts = TwoParts([first, second], stop: stop)
                DispatchQueue.concurrentPerform(iterations: 2) { parts.run($0) }
                if let error = parts.firstError { throw error }
            }
        }
    }
}

/// `bothAtOnce`'s parts and their errors (`firstError`).
final class TwoParts: @unchecked Sendable {
    // Unchecked: each thread runs its own part, and `stop` is safe from either; `errors` is only
    // touched under `lock`.
    private let parts: [() throws -> Void]
    private let stop: () -> Void
    private let lock = NSLock()
    private var errors: [Int: any Error] = [:]

    init(_ parts: [() throws -> Void], stop: @escaping () -> Void = {}) {
        self.parts = parts
        self.stop = stop
    }

    func run(_ part: Int) {
        do {
            try parts[part]()
        } catch {
            set(part, error)
            stop()
        }
    }

    func set(_ part: Int, _ error: any Error) { lock.withLock { errors[part] = error } }

    var firstError: (any Error)? {
        lock.withLock {
            let causes = errors.filter { !($0.value is CancellationError) }
            return (causes.isEmpty ? errors : causes).min { $0.key < $1.key }?.value
        }
    }
}
