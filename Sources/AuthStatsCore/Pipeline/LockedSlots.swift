import Foundation

/// One value per slot, each set by the thread that made it (under a lock), then read in slot
/// order: the parts of a job split over threads, joined in an order that does not depend on
/// which thread finished first (session shards, groups of duplicates).
final class LockedSlots<Value>: @unchecked Sendable {
    // Unchecked: `slots` is only touched under `lock`.
    private let lock = NSLock()
    private var slots: [Value]

    init(repeating value: Value, count: Int) { slots = Array(repeating: value, count: count) }

    func set(_ index: Int, _ value: Value) {
        lock.lock()
        slots[index] = value
        lock.unlock()
    }

    var all: [Value] {
        lock.lock()
        defer { lock.unlock() }
        return slots
    }
}
