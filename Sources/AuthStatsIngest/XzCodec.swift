import CLzma

/// xz with liblzma, one stream at a time: `StreamDecoder` passes the padding between
/// concatenated streams and starts the next (without `LZMA_CONCATENATED`, so that bytes after
/// the last stream are told apart from a damaged stream, as after a gzip or zstd stream).
///
/// The corresponding C calls are `lzma_stream_decoder`, `lzma_code` and `lzma_end`.
final class XzCodec: DecompressionCodec {
    static let name = "xz"
    static let kind = ContentSniffer.Kind.xz
    /// The decoder may use at most this much memory: a hostile header cannot ask for gigabytes
    /// (`xz -9` needs 65 MiB).
    static let memoryLimit: UInt64 = 512 << 20
    private var stream = clzma_stream_init()
    /// Compressed bytes of the streams before this one (positions in messages are the file's).
    private var before: UInt64 = 0

    init() throws(InputDamage) { try start() }

    deinit { lzma_end(&stream) }

    private func start() throws(InputDamage) {
        let status = lzma_stream_decoder(&stream, Self.memoryLimit, 0)
        guard status == LZMA_OK else { throw InputDamage(message: "cannot start the xz decoder: \(Self.describe(status))") }
    }

    func reset() throws(InputDamage) {
        before += stream.total_in
        lzma_end(&stream)
        stream = clzma_stream_init()
        try start()
    }

    func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, finish: Bool)
        -> (consumed: Int, produced: Int, ended: Bool, damage: InputDamage?)
    {
        stream.next_in = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
        stream.avail_in = input.count
        stream.next_out = output.baseAddress?.assumingMemoryBound(to: UInt8.self)
        stream.avail_out = output.count
        let status = lzma_code(&stream, finish ? LZMA_FINISH : LZMA_RUN)
        let consumed = input.count - stream.avail_in
        let produced = output.count - stream.avail_out
        switch status {
        case LZMA_OK: return (consumed, produced, false, nil)
        case LZMA_STREAM_END: return (consumed, produced, true, nil)
        case LZMA_BUF_ERROR: return (consumed, produced, false, nil)  // no progress: the caller sees a truncation
        default:
            let damage = InputDamage(message: "corrupt xz data at compressed byte \(before + stream.total_in): \(Self.describe(status))")
            return (consumed, produced, false, damage)
        }
    }

    static func describe(_ status: lzma_ret) -> String {
        switch status {
        case LZMA_DATA_ERROR: return "invalid compressed data"
        case LZMA_FORMAT_ERROR: return "not in the xz format"
        case LZMA_OPTIONS_ERROR: return "unsupported options"
        case LZMA_MEM_ERROR: return "out of memory"
        case LZMA_MEMLIMIT_ERROR: return "needs more than \(memoryLimit >> 20) MiB of memory to decode"
        case LZMA_UNSUPPORTED_CHECK: return "unsupported integrity check"
        default: return "liblzma status \(status.rawValue)"
        }
    }
}
