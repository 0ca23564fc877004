import AuthStatsCore
import CIsal

/// Inflates a gzip stream with ISA-L's igzip (the default hot path: Firehose objects).
///
/// Why not libarchive: when a stream is truncated or damaged it drops the block it was
/// decompressing (64 KiB, or the whole of a small file), so the records before the damage
/// would be lost; here every byte up to the damage is delivered and the error says where it
/// is. Why ISA-L: it inflates about twice as fast as zlib (`performance.md`). Multi-member
/// streams (concatenated gzip members) are read to the end; NUL bytes after a member are
/// padding (as gzip(1) and Python's `gzip` treat them), not damage.
///
/// The corresponding C calls are `isal_inflate_init`, `isal_inflate` and
/// `isal_inflate_reset`, with `crc_flag = ISAL_GZIP` (gzip wrapper parsed, CRC checked).
final class GzipDecoder: ByteSource {
    static let chunk = 1 << 20
    private let upstream: any ByteSource
    private let state: UnsafeMutablePointer<inflate_state>
    private let input: UnsafeMutablePointer<UInt8>
    private var inputCount = 0
    /// Compressed bytes consumed before the current input buffer.
    private var consumedBefore = 0
    private var atInputEnd = false
    private var inMember = true
    private var deferred = DeferredDamage()

    init(_ upstream: any ByteSource) {
        self.upstream = upstream
        input = ScratchBuffers.take(Self.chunk).pointer.bindMemory(to: UInt8.self, capacity: Self.chunk)
        state = .allocate(capacity: 1)
        isal_inflate_init(state)
        state.pointee.crc_flag = UInt32(ISAL_GZIP)
    }

    deinit {
        state.deallocate()
        ScratchBuffers.give(UnsafeMutableRawPointer(input), capacity: Self.chunk)
    }

    func read(into space: UnsafeMutableRawBufferPointer) throws(InputDamage) -> Int {
        try deferred.rethrow()
        var produced = 0
        do throws(InputDamage) {
            try inflateSome(into: space, produced: &produced)
            return produced
        } catch {
            return try deferred.deliver(produced, before: error)
        }
    }

    private var compressedOffset: Int { consumedBefore + inputCount - Int(state.pointee.avail_in) }

    private func refill() throws(InputDamage) {
        consumedBefore += inputCount
        inputCount = 0
        inputCount = try upstream.read(into: UnsafeMutableRawBufferPointer(start: input, count: Self.chunk))
        if inputCount == 0 { atInputEnd = true }
        state.pointee.next_in = input
        state.pointee.avail_in = UInt32(inputCount)
    }

    private func inflateSome(into space: UnsafeMutableRawBufferPointer, produced: inout Int) throws(InputDamage) {
        let out = space.baseAddress!.assumingMemoryBound(to: UInt8.self)
        while produced < space.count {
            if state.pointee.avail_in == 0 && !atInputEnd { try refill() }
            // The end of the input is fine between members, not inside one.
            if state.pointee.avail_in == 0 && atInputEnd && !inMember { return }
            if !inMember {
                let next = state.pointee.next_in[0]
                if next == 0 {
                    // Padding after a member (tape blocks, preallocated files): skip the NULs.
                    state.pointee.next_in += 1
                    state.pointee.avail_in -= 1
                    continue
                }
                // Another gzip member may follow (multi-member files); anything else is damage.
                guard next == 0x1F else {
                    throw InputDamage(message: "unexpected data after the end of the gzip stream, at compressed byte \(compressedOffset)")
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
            let inputBefore = state.pointee.avail_in
            let status = isal_inflate(state)
            let made = before - Int(state.pointee.avail_out)
            produced += made
            if status < 0 {
                throw InputDamage(message: "corrupt gzip data at compressed byte \(compressedOffset): \(Self.describe(status))")
            }
            if state.pointee.block_state == ISAL_BLOCK_FINISH {
                inMember = false
            } else if made == 0 && state.pointee.avail_in == 0 && atInputEnd {
                // Inflating with no input hands out what ISA-L still held (its `tmp_out`
                // buffer); once nothing comes, the input ended inside the member.
                throw InputDamage(
                    message: "truncated gzip input: the file ends inside a compressed stream, at compressed byte \(compressedOffset)")
            } else if made == 0 && inputBefore > 0 && state.pointee.avail_in == inputBefore {
                // Neither input taken nor output made: never loop on it.
                throw InputDamage(message: "corrupt gzip data at compressed byte \(compressedOffset): the decoder made no progress")
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
