import Foundation

/// A few raw buffers of a megabyte or so, handed from one input stream to the next.
///
/// Every stream needs a framing buffer (and a gzip stream an input buffer); allocating and
/// freeing them per stream made the C allocator give the memory back and fault it in again
/// for each of thousands of objects (`brk` and page faults were 7% of a run). Buffers above
/// `largest` are not kept, and at most `kept` are.
public enum ScratchBuffers {
    static let largest = 8 << 20
    static let kept = 16

    // Unchecked: every access holds `lock`.
    nonisolated(unsafe) private static var free: [(pointer: UnsafeMutableRawPointer, capacity: Int)] = []
    private static let lock = NSLock()

    /// A buffer of at least `minimum` bytes (16-byte aligned) and its capacity.
    public static func take(_ minimum: Int) -> (pointer: UnsafeMutableRawPointer, capacity: Int) {
        lock.lock()
        if let i = free.firstIndex(where: { $0.capacity >= minimum }) {
            let buffer = free.remove(at: i)
            lock.unlock()
            return buffer
        }
        lock.unlock()
        return (UnsafeMutableRawPointer.allocate(byteCount: minimum, alignment: 16), minimum)
    }

    /// Gives back a buffer from `take` (or allocated with alignment 16); it must not be used after.
    public static func give(_ pointer: UnsafeMutableRawPointer, capacity: Int) {
        lock.lock()
        if capacity <= largest && free.count < kept {
            free.append((pointer, capacity))
            lock.unlock()
            return
        }
        lock.unlock()
        pointer.deallocate()
    }
}
