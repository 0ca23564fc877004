import CZstd

/// zstd with libzstd (one decoder reads every concatenated and skippable frame).
///
/// The corresponding C calls are `ZSTD_createDStream`, `ZSTD_decompressStream` and
/// `ZSTD_freeDStream`. The decoder's default window limit (128 MiB) bounds its memory.
final class ZstdCodec: DecompressionCodec {
    static let name = "zstd"
    private let stream: OpaquePointer
    private var totalIn = 0

    init() throws(InputDamage) {
        guard let stream = ZSTD_createDStream() else { throw InputDamage(message: "cannot start the zstd decoder: out of memory") }
        self.stream = stream
    }

    deinit { ZSTD_freeDStream(stream) }

    func reset() throws(InputDamage) {}

    func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, finish: Bool)
        throws(InputDamage) -> (consumed: Int, produced: Int, ended: Bool)
    {
        var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        var outBuffer = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
        let status = ZSTD_decompressStream(stream, &outBuffer, &inBuffer)
        totalIn += inBuffer.pos
        if ZSTD_isError(status) != 0 {
            throw InputDamage(message: "corrupt zstd data at compressed byte \(totalIn): \(String(cString: ZSTD_getErrorName(status)))")
        }
        // 0: a frame was decoded and flushed whole; the next bytes may start another.
        return (inBuffer.pos, outBuffer.pos, status == 0)
    }
}
