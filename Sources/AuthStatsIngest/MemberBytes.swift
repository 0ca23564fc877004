/// An archive member's bytes copied out of its archive (`ArchiveReader+Members`), in a buffer
/// that goes back to its queue when the copy is let go: buffers of a megabyte or more are
/// reused for the next members (`ReadingQueue.takeBuffer`), not mapped and faulted in anew.
///
/// The copy holds room in the queue's `copyBudget` until it is gone: `reserved` bytes, taken
/// by the caller (`ReadingQueue.reserveCopy`).
///
/// Unchecked: filled by the worker reading the archive, read-only after it is handed over.
final class MemberBytes: @unchecked Sendable {
    private var buffer: UnsafeMutableRawBufferPointer
    /// The bytes copied.
    private(set) var count = 0
    private let queue: ReadingQueue
    /// The room held in the queue's `copyBudget`.
    private var reserved: Int

    /// An empty copy of `capacity` bytes, holding `reserved` bytes of room.
    init(capacity: Int, reserved: Int, queue: ReadingQueue) {
        self.queue = queue
        self.reserved = reserved
        buffer = queue.takeBuffer(max(1, capacity))
    }

    deinit {
        queue.releaseCopy(reserved)
        queue.giveBuffer(buffer)
    }

    /// Gives back the room beyond the bytes copied.
    func keepRoomForCount() {
        queue.releaseCopy(reserved - count)
        reserved = count
    }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: buffer[..<count]) }

    /// Copies the entry's data to its end (true), growing up to `limit` bytes, or until
    /// `limit` is reached with more to come (false: the rest is still to be read from `data`).
    /// Damage is thrown once the bytes before it are copied.
    func fill(from data: ArchiveEntrySource, limit: Int) throws(InputDamage) -> Bool {
        while true {
            if count == buffer.count {
                guard try data.hasMore() else { return true }
                guard buffer.count < limit else { return false }
                let larger = queue.takeBuffer(min(limit, buffer.count * 2))
                larger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: count)
                queue.giveBuffer(buffer)
                buffer = larger
            }
            let n = try data.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[count...]))
            if n == 0 { return true }
            count += n
        }
    }
}
