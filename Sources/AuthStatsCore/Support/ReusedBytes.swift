import Foundation

/// A byte buffer handed from thread to thread and given back to its `ReusedBytes.Pool` when
/// done, so that its memory is used again: a fresh buffer of a few hundred kilobytes for each
/// block of a user CSV's lines and of their records had doubled the directory's page faults
/// (37 k → 82 k loading a million users, ~0.3 s of CPU).
final class ReusedBytes: @unchecked Sendable {
    // Unchecked: one thread at a time owns a buffer, handed over through a queue or a
    // semaphore (`inOrder`, `DirectoryRecordWriter`) and the pool's lock.
    var bytes: [UInt8] = []

    /// Buffers given back, at most `limit` of at most `largest` bytes; a buffer taken is empty
    /// and keeps its capacity.
    final class Pool: @unchecked Sendable {
        // Unchecked: `free` is only touched under `lock`.
        private let lock = NSLock()
        private var free: [ReusedBytes] = []
        static let limit = 16

        func take() -> ReusedBytes {
            lock.lock()
            let buffer = free.popLast()
            lock.unlock()
            return buffer ?? ReusedBytes()
        }

        func give(_ buffer: ReusedBytes) {
            // One that grew for a very long line goes: the next ones need their usual size.
            guard buffer.bytes.capacity <= Self.largest else { return }
            buffer.bytes.removeAll(keepingCapacity: true)
            lock.lock()
            if free.count < Self.limit { free.append(buffer) }
            lock.unlock()
        }

        /// Capacity kept at most.
        static let largest = 4 << 20
    }
}
