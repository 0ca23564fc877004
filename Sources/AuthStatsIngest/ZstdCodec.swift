import AuthStatsCore
import CZstd

/// zstd with libzstd (one decoder reads every concatenated and skippable frame).
///
/// The corresponding C calls are `ZSTD_createDStream`, `ZSTD_decompressStream` and
/// `ZSTD_freeDStream`. Windows up to 512 MiB are decoded (`windowLogMax`), as xz's memory is
/// bounded (`XzCodec.memoryLimit`): libzstd's default, 128 MiB, refused every frame of `zstd
/// --long=28` and more, an archival setting, as "corrupt" (a review, 2026-12-07).
///
/// libzstd does not hand out what it wrote in a call that fails (it sets the output position
/// only on success), so each call decodes into a staging buffer of one block's size
/// (`ZSTD_BLOCKSIZE_MAX`, 128 KiB), handed out from there: at damage, every earlier call's
/// bytes are kept, and what is lost does not depend on how the caller's reads were cut.
final class ZstdCodec: DecompressionCodec {
    static let name = "zstd"
    static let kind = ContentSniffer.Kind.zstd
    static let staging = 1 << 17
    /// The largest window decoded, as a power of two (512 MiB).
    static let windowLogMax: Int32 = 29
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
        _ = ZSTD_DCtx_setParameter(stream, ZSTD_d_windowLogMax, Self.windowLogMax)
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
                let damage = ZSTD_getErrorCode(status) == ZSTD_error_frameParameter_windowTooLarge
                    ? InputDamage(
                        message: "a zstd frame at compressed byte \(totalIn) needs a window of more than \(1 << (Self.windowLogMax - 20)) MiB "
                            + "(made with zstd --long=30 or more), more memory than authstats gives one: decompress it first (zstd -d --long=31)")
                    : InputDamage(
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
