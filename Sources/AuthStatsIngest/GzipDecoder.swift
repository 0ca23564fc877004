import AuthStatsCore
import CIsal
import CZlib

/// Inflates a gzip stream with ISA-L's igzip (the default hot path: Firehose objects).
///
/// Why not libarchive: when a stream is truncated or damaged it drops the block it was
/// decompressing (64 KiB, or the whole of a small file), so the records before the damage
/// would be lost; here every byte up to the damage is delivered and the error says where it
/// is. Why ISA-L: it inflates about twice as fast as zlib (`docs/performance.md`). Multi-member
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
    /// Damage of the source found after the bytes of the last chunk: thrown at the next refill.
    private var upstreamDamage: InputDamage?
    /// Where the current member's bytes start in `input` (0 when it began in an earlier
    /// chunk, whose part of it `memberBytes` keeps): what a replay with zlib needs.
    private var memberStart = 0
    /// The current member's compressed bytes from earlier chunks, up to `replayLimit`.
    private var memberBytes: [UInt8] = []
    /// Whether all of the current member's bytes are at hand (`memberBytes` and `input`).
    private var replayable = true
    /// A member longer than this (compressed) is not kept for a replay: past it, a damaged
    /// member may end its last reject with a few bytes ISA-L counted but never wrote.
    static let replayLimit = 8 << 20
    /// Bytes of the current member handed out (or produced in this call) so far.
    private var memberOutput = 0

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

    /// Where ISA-L stands in the compressed stream (from `next_in`: at some errors it leaves
    /// `avail_in` meaningless).
    private var compressedOffset: Int { consumedBefore + (state.pointee.next_in.map { $0 - input } ?? inputCount) }

    private func refill() throws(InputDamage) {
        // A member that goes on past this refill keeps its bytes of this chunk for a replay.
        if inMember && inputCount > memberStart && replayable {
            if memberBytes.count + inputCount - memberStart <= Self.replayLimit {
                memberBytes.append(contentsOf: UnsafeBufferPointer(start: input + memberStart, count: inputCount - memberStart))
            } else {
                replayable = false
                memberBytes = []
            }
        }
        memberStart = 0
        consumedBefore += inputCount
        inputCount = 0
        if let damage = upstreamDamage {
            upstreamDamage = nil
            throw damage
        }
        (inputCount, upstreamDamage) = try upstream.fill(UnsafeMutableRawBufferPointer(start: input, count: Self.chunk))
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
                memberStart = nextIn! - input
                memberBytes = []
                replayable = true
                memberOutput = 0
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
            var made = before - Int(state.pointee.avail_out)
            if status < 0 {
                // At damage ISA-L may count a few bytes it never wrote (what the buffer held
                // before: the result would depend on the file read earlier). zlib, replayed
                // over the member, says exactly what precedes the damage.
                var retract = 0
                if replayable {
                    let replay = replayWithZlib(skipping: memberOutput, into: out + produced, capacity: space.count - produced)
                    made = replay.written
                    // What ISA-L handed out in earlier calls beyond zlib's bytes: taken back.
                    retract = max(0, memberOutput - replay.total)
                }
                produced += made
                throw InputDamage(message: "corrupt gzip data at compressed byte \(compressedOffset): \(Self.describe(status))", retract: retract)
            }
            produced += made
            memberOutput += made
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

    /// Inflates the current member (`memberBytes`, then `input` from `memberStart`) with
    /// zlib up to its damage, and writes what comes after its first `skip` bytes to `out`;
    /// returns that count and the member's whole count before the damage.
    private func replayWithZlib(skipping skip: Int, into out: UnsafeMutablePointer<UInt8>, capacity: Int) -> (written: Int, total: Int) {
        var stream = z_stream()
        guard czlib_inflateInit2(&stream, 16 + 15) == Z_OK else { return (0, skip) }  // 16: a gzip wrapper
        defer { inflateEnd(&stream) }
        var earlier = memberBytes  // zlib reads it through a pointer that must stay valid
        var segments: [(UnsafeMutablePointer<UInt8>, Int)] = [(input + memberStart, inputCount - memberStart)]
        let result = earlier.withUnsafeMutableBufferPointer { kept -> (Int, Int) in
            if kept.count > 0 { segments.insert((kept.baseAddress!, kept.count), at: 0) }
            stream.next_in = segments[0].0
            stream.avail_in = UInt32(segments[0].1)
            segments.removeFirst()
            return inflateAll(&stream, segments: &segments, skipping: skip, into: out, capacity: capacity)
        }
        return result
    }

    /// The loop of `replayWithZlib`: moves on to the next input segment when one is used up.
    private func inflateAll(
        _ stream: inout z_stream, segments: inout [(UnsafeMutablePointer<UInt8>, Int)], skipping skip: Int,
        into out: UnsafeMutablePointer<UInt8>, capacity: Int
    ) -> (Int, Int) {
        var scratch = [UInt8](repeating: 0, count: 1 << 16)
        var seen = 0
        var written = 0
        while written < capacity {
            let made = scratch.withUnsafeMutableBufferPointer { buffer -> Int in
                stream.next_out = buffer.baseAddress
                stream.avail_out = UInt32(buffer.count)
                let status = inflate(&stream, Z_SYNC_FLUSH)
                let made = buffer.count - Int(stream.avail_out)
                // Only bytes before the damage (zlib hands out nothing it could not decode).
                let keepFrom = max(0, skip - seen)
                if made > keepFrom {
                    let count = min(made - keepFrom, capacity - written)
                    (out + written).update(from: buffer.baseAddress! + keepFrom, count: count)
                    written += count
                }
                seen += made
                return status == Z_OK ? made : -1
            }
            if made < 0 { break }
            if stream.avail_in == 0 {
                guard !segments.isEmpty else { break }
                stream.next_in = segments[0].0
                stream.avail_in = UInt32(segments[0].1)
                segments.removeFirst()
            } else if made == 0 {
                break
            }
        }
        return (written, seen)
    }

    static func describe(_ status: Int32) -> String {
        switch status {
        case ISAL_INVALID_BLOCK: return "invalid deflate block"
        case ISAL_INVALID_SYMBOL: return "invalid deflate symbol"
        case ISAL_INVALID_LOOKBACK: return "invalid lookback distance"
        case ISAL_INVALID_WRAPPER: return "invalid gzip header"
        case ISAL_UNSUPPORTED_METHOD: return "unsupported compression method"
        // ISA-L says this of a wrong CRC-32 and of a wrong length (ISIZE) alike.
        case ISAL_INCORRECT_CHECKSUM: return "the data does not match the gzip trailer (its CRC-32 or its length)"
        default: return "ISA-L status \(status)"
        }
    }
}
