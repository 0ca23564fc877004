import AuthStatsCore
import Foundation

/// Moves a decoded source's bytes into a `StreamProcessor` (stage 1 → 2).
enum StreamPump {
    /// Bytes decoded per call into the framer's buffer (a quarter of its 1 MiB reserve: the
    /// records of one step are framed while they are still in cache).
    static let step = 1 << 18

    /// Reads `source` to its end into `stream`. True when it ended cleanly (the stream is left
    /// open, for the caller to end); false when it broke (the stream was ended with the
    /// damage: what was read is kept, the input is `partial`).
    ///
    /// With `pipelined`, a second thread decodes while this one frames and decodes records,
    /// so one large file keeps two cores busy.
    static func pump(_ source: any ByteSource, into stream: StreamProcessor, pipelined: Bool) -> Bool {
        if pipelined { return pumpPipelined(source, into: stream) }
        do {
            while try stream.read({ space in try source.read(into: UnsafeMutableRawBufferPointer(rebasing: space.prefix(step))) }) > 0 {}
            return true
        } catch {
            let damage = error as? InputDamage
            stream.end(error: damage?.message ?? "\(error)", retract: damage?.retract ?? 0)
            return false
        }
    }

    /// The decoding thread fills 1 MiB blocks and hands them over through a queue of at most
    /// `ChunkQueue.depth` blocks; this thread reads them into `stream`.
    private static func pumpPipelined(_ source: any ByteSource, into stream: StreamProcessor) -> Bool {
        let queue = ChunkQueue()
        let reader = UncheckedSource(source)
        let thread = Thread {
            while true {
                var block = queue.freeBlock()
                var failure: InputDamage?
                let count = block.withUnsafeMutableBytes { space -> Int in
                    do throws(InputDamage) { return try reader.value.read(into: space) } catch {
                        failure = error
                        return 0
                    }
                }
                queue.push(ChunkQueue.Item(block: block, count: count, error: failure))
                if count == 0 || failure != nil { return }
            }
        }
        thread.stackSize = 1 << 20
        thread.start()
        while true {
            let item = queue.pop()
            if item.count > 0 { item.block.withUnsafeBytes { stream.read(bytes: UnsafeRawBufferPointer(rebasing: $0[0..<item.count])) } }
            queue.recycle(item.block)
            if let error = item.error {
                stream.end(error: error.message, retract: error.retract)
                return false
            }
            if item.count == 0 { return true }
        }
    }
}

/// The source, handed to the decoding thread. Unchecked: from `thread.start()` until the
/// last block is popped only that thread touches it.
final class UncheckedSource: @unchecked Sendable {
    let value: any ByteSource
    init(_ value: any ByteSource) { self.value = value }
}

/// A bounded queue of decompressed blocks between the decoding and the framing thread.
final class ChunkQueue: @unchecked Sendable {
    // Unchecked: every member is guarded by `condition`.
    struct Item {
        var block: [UInt8]
        var count: Int
        var error: InputDamage?
    }

    static let depth = 4
    static let blockSize = 1 << 20
    private let condition = NSCondition()
    private var items: [Item] = []
    private var free: [[UInt8]] = []
    private var allocated = 0

    /// A block to fill: a recycled one, a new one while fewer than `depth` exist, or (waiting)
    /// the next one recycled.
    func freeBlock() -> [UInt8] {
        condition.lock()
        defer { condition.unlock() }
        while free.isEmpty && allocated >= Self.depth { condition.wait() }
        if let block = free.popLast() { return block }
        allocated += 1
        return [UInt8](repeating: 0, count: Self.blockSize)
    }

    func push(_ item: Item) {
        condition.lock()
        items.append(item)
        condition.broadcast()
        condition.unlock()
    }

    func pop() -> Item {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty { condition.wait() }
        return items.removeFirst()
    }

    func recycle(_ block: [UInt8]) {
        condition.lock()
        free.append(block)
        condition.broadcast()
        condition.unlock()
    }
}
