import AuthStatsCore
import CZstd

/// zstd with libzstd (one decoder reads every concatenated and skippable frame).
///
/// The corresponding C calls are `ZSTD_createDStream`, `ZSTD_decompressStream` and
/// `ZSTD_freeDStream`. The decoder's default window limit (128 MiB) bounds its memory.
///
/// libzstd does not hand out what it wrote in a call that fails (it sets the output position
/// only on success), so each call decodes into a staging buffer of one block's size
/// (`ZSTD_BLOCKSIZE_MAX`, 128 KiB), handed out from there: at damage, every earlier call's
/// bytes are kept, and what is lost does not depend on how the caller's reads were cut.
final class ZstdCodec: DecompressionCodec {
    static let name = "zstd"
    static let kind = ContentSniffer.Kind.zstd
    static let staging = 1 << 17
    private let stream: OpaquePointer
    private var totalIn = 0
    private let buffer: UnsafeMutableRawPointer
    /// Decoded bytes in `buffer` not yet handed out: `pending.lowerBound..<pending.upperBound`.
    private var pending = 0..<0
    /// A frame ended with the bytes now pending.
    private var pendingEndsFrame = false

    init() throws(InputDamage) {
        guard let stream = ZSTD_createDStream() else { throw InputDamage(message: "cannot start the zstd decoder: out of memory") }
        self.stream = stream
        buffer = ScratchBuffers.take(Self.staging).pointer
    }

    deinit {
        ZSTD_freeDStream(stream)
        ScratchBuffers.give(buffer, capacity: Self.staging)
    }

    func reset() throws(InputDamage) {}

    func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, finish: Bool)
        -> (consumed: Int, produced: Int, ended: Bool, damage: InputDamage?)
    {
        var consumed = 0
        if pending.isEmpty {
            var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
            var outBuffer = ZSTD_outBuffer(dst: buffer, size: Self.staging, pos: 0)
            let status = ZSTD_decompressStream(stream, &outBuffer, &inBuffer)
            totalIn += inBuffer.pos
            if ZSTD_isError(status) != 0 {
                // A failed call leaves `inBuffer.pos` where it began: the damage is in the bytes
                // it was given, not at their start (a checksum is checked at its frame's end).
                let damage = InputDamage(
                    message: "corrupt zstd data in compressed bytes \(totalIn) to \(totalIn + input.count) (the decoded block there is lost): "
                        + String(cString: ZSTD_getErrorName(status)))
                return (inBuffer.pos, 0, false, damage)
            }
            consumed = inBuffer.pos
            pending = 0..<outBuffer.pos
            // 0: a frame was decoded and flushed whole; the next bytes may start another.
            pendingEndsFrame = status == 0
        }
        let count = min(pending.count, output.count)
        if count > 0 { output.baseAddress!.copyMemory(from: buffer + pending.lowerBound, byteCount: count) }
        pending = (pending.lowerBound + count)..<pending.upperBound
        return (consumed, count, pending.isEmpty && pendingEndsFrame, nil)
    }
}
