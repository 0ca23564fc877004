import AuthStatsCore
import CIsal
import Foundation

/// Reads a bare gzip file (a Firehose object) with ISA-L's igzip, straight into the record
/// framer.
///
/// Why not libarchive: when a file is truncated or damaged it drops the block it was
/// decompressing (64 KiB, or the whole of a small file), so the records before the damage
/// would be lost; here every byte up to the damage is kept and the error says where it is.
/// Why ISA-L: it inflates about twice as fast as zlib (`performance.md`). Multi-member files
/// (concatenated gzip streams) are read to the end.
///
/// A gzip file whose content is itself an archive or another compressed stream (`.tar.gz`,
/// `.json.gz.gz`) is left to libarchive: `open` returns nil for it.
///
/// The corresponding C calls are `isal_inflate_init`, `isal_inflate` and
/// `isal_inflate_reset`, with `crc_flag = ISAL_GZIP` (gzip wrapper parsed, CRC checked).
final class GzipFileReader {
    static let chunk = 1 << 20
    static let step = 1 << 18

    private let file: UnsafeMutablePointer<FILE>
    private let state: UnsafeMutablePointer<inflate_state>
    private let input: UnsafeMutablePointer<UInt8>
    private var inputCount = 0
    /// Compressed bytes consumed before the current input buffer.
    private var consumedBefore = 0
    private var atFileEnd = false
    private var inMember = true
    private var head: [UInt8] = []
    /// Damage found after some bytes were produced: reported on the next call, so those
    /// bytes are delivered first.
    private var pendingDamage: Damage?

    struct Damage: Error {
        var message: String
    }

    /// Opens `path` if it is a gzip file whose content is a plain stream; nil otherwise.
    static func open(_ path: String) -> GzipFileReader? {
        guard let file = fopen(path, "rb") else { return nil }
        var magic: [UInt8] = [0, 0]
        guard fread(&magic, 1, 2, file) == 2, magic == [0x1F, 0x8B] else {
            fclose(file)
            return nil
        }
        rewind(file)
        let reader = GzipFileReader(file: file)
        guard reader.peekIsPlainStream() else { return nil }
        return reader
    }

    private init(file: UnsafeMutablePointer<FILE>) {
        self.file = file
        input = ScratchBuffers.take(Self.chunk).pointer.bindMemory(to: UInt8.self, capacity: Self.chunk)
        state = .allocate(capacity: 1)
        isal_inflate_init(state)
        state.pointee.crc_flag = UInt32(ISAL_GZIP)
    }

    deinit {
        state.deallocate()
        ScratchBuffers.give(UnsafeMutableRawPointer(input), capacity: Self.chunk)
        fclose(file)
    }

    /// Inflates the start of the file and checks it is not an archive or a nested stream.
    private func peekIsPlainStream() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        let count = buffer.withUnsafeMutableBytes { space in
            do throws(Damage) { return try inflate(into: space) } catch {
                pendingDamage = error
                return 0
            }
        }
        head = Array(buffer.prefix(count))
        let tar = head.count >= 262 && Array(head[257..<262]) == Array("ustar".utf8)
        let nested: [[UInt8]] = [[0x1F, 0x8B], [0x42, 0x5A, 0x68], [0xFD, 0x37, 0x7A, 0x58, 0x5A], [0x28, 0xB5, 0x2F, 0xFD], [0x50, 0x4B, 0x03, 0x04]]
        return !tar && !nested.contains { head.starts(with: $0) }
    }

    /// Feeds the whole decompressed content to `processor`, ending it (with the error, if
    /// the file is damaged). With `pipelined`, a second thread inflates while this one frames
    /// and decodes, so one large file keeps two cores busy.
    func pump(into processor: StreamProcessor, pipelined: Bool = false) {
        head.withUnsafeBytes { processor.read(bytes: $0) }
        head = []
        if pipelined {
            pumpPipelined(into: processor)
            return
        }
        do {
            while try processor.read({ try inflate(into: UnsafeMutableRawBufferPointer(rebasing: $0.prefix(Self.step))) }) > 0 {}
            processor.end()
        } catch {
            processor.end(error: (error as? Damage)?.message ?? "\(error)")
        }
    }

    /// The inflating thread fills 1 MiB blocks and hands them over through a queue of at
    /// most `ChunkQueue.depth` blocks; this thread reads them into `processor`.
    private func pumpPipelined(into processor: StreamProcessor) {
        let queue = ChunkQueue()
        let reader = UncheckedReader(self)
        let thread = Thread {
            while true {
                var block = queue.freeBlock()
                var failure: String?
                let count = block.withUnsafeMutableBytes { space -> Int in
                    do throws(Damage) { return try reader.value.inflate(into: space) } catch {
                        failure = error.message
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
            if item.count > 0 { item.block.withUnsafeBytes { processor.read(bytes: UnsafeRawBufferPointer(rebasing: $0[0..<item.count])) } }
            queue.recycle(item.block)
            if let error = item.error {
                processor.end(error: error)
                return
            }
            if item.count == 0 {
                processor.end()
                return
            }
        }
    }

    /// Inflates into `space`; 0 at the end of the file.
    private func inflate(into space: UnsafeMutableRawBufferPointer) throws(Damage) -> Int {
        if let damage = pendingDamage {
            pendingDamage = nil
            throw damage
        }
        var produced = 0
        do throws(Damage) {
            try inflateSome(into: space, produced: &produced)
            return produced
        } catch {
            guard produced > 0 else { throw error }
            pendingDamage = error
            return produced
        }
    }

    private var compressedOffset: Int { consumedBefore + inputCount - Int(state.pointee.avail_in) }

    private func refill() throws(Damage) {
        consumedBefore += inputCount
        inputCount = fread(input, 1, Self.chunk, file)
        if inputCount == 0 {
            atFileEnd = true
            if ferror(file) != 0 { throw Damage(message: "read error: \(String(cString: strerror(errno)))") }
        }
        state.pointee.next_in = input
        state.pointee.avail_in = UInt32(inputCount)
    }

    private func inflateSome(into space: UnsafeMutableRawBufferPointer, produced: inout Int) throws(Damage) {
        let out = space.baseAddress!.assumingMemoryBound(to: UInt8.self)
        while produced < space.count {
            if state.pointee.avail_in == 0 {
                if atFileEnd { return }
                try refill()
                if atFileEnd {
                    // The end of the file is fine between members (or in an empty file), not inside one.
                    if inMember && consumedBefore > 0 {
                        throw Damage(message: "truncated gzip input: the file ends inside a compressed stream, at compressed byte \(consumedBefore)")
                    }
                    return
                }
            }
            if !inMember {
                // Another gzip member may follow (multi-member files); anything else is damage.
                guard state.pointee.next_in[0] == 0x1F else {
                    throw Damage(message: "unexpected data after the end of the gzip stream, at compressed byte \(compressedOffset)")
                }
                let (nextIn, availIn) = (state.pointee.next_in, state.pointee.avail_in)
                isal_inflate_reset(state)
                state.pointee.crc_flag = UInt32(ISAL_GZIP)
                state.pointee.next_in = nextIn
                state.pointee.avail_in = availIn
                inMember = true
            }
            state.pointee.next_out = out + produced
            state.pointee.avail_out = UInt32(min(space.count - produced, Int(UInt32.max)))
            let before = Int(state.pointee.avail_out)
            let status = isal_inflate(state)
            let made = before - Int(state.pointee.avail_out)
            produced += made
            if status < 0 {
                throw Damage(message: "corrupt gzip data at compressed byte \(compressedOffset): \(Self.describe(status))")
            }
            if state.pointee.block_state == ISAL_BLOCK_FINISH {
                inMember = false
            }
        }
    }

    static func describe(_ status: Int32) -> String {
        switch status {
        case ISAL_INVALID_BLOCK: return "invalid deflate block"
        case ISAL_INVALID_SYMBOL: return "invalid deflate symbol"
        case ISAL_INVALID_LOOKBACK: return "invalid lookback distance"
        case ISAL_INVALID_WRAPPER: return "invalid gzip header"
        case ISAL_UNSUPPORTED_METHOD: return "unsupported compression method"
        case ISAL_INCORRECT_CHECKSUM: return "incorrect checksum"
        default: return "ISA-L status \(status)"
        }
    }
}

/// The reader, handed to the inflating thread. Unchecked: from `thread.start()` until the
/// last block is popped only that thread touches it.
final class UncheckedReader: @unchecked Sendable {
    let value: GzipFileReader
    init(_ value: GzipFileReader) { self.value = value }
}

/// A bounded queue of decompressed blocks between the inflating and the decoding thread.
final class ChunkQueue: @unchecked Sendable {
    // Unchecked: every member is guarded by `condition`.
    struct Item {
        var block: [UInt8]
        var count: Int
        var error: String?
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
