import CBzip2

/// bzip2 with libbz2 (concatenated streams, as `pbzip2` writes, through `reset`).
///
/// The corresponding C calls are `BZ2_bzDecompressInit`, `BZ2_bzDecompress` and
/// `BZ2_bzDecompressEnd`.
final class Bzip2Codec: DecompressionCodec {
    static let name = "bzip2"
    static let kind = ContentSniffer.Kind.bzip2
    private var stream = bz_stream()
    private var totalIn = 0

    init() throws(InputDamage) { try start() }

    deinit { BZ2_bzDecompressEnd(&stream) }

    private func start() throws(InputDamage) {
        stream = bz_stream()
        let status = BZ2_bzDecompressInit(&stream, 0, 0)
        guard status == BZ_OK else { throw InputDamage(message: "cannot start the bzip2 decoder: \(Self.describe(status))") }
    }

    func reset() throws(InputDamage) {
        BZ2_bzDecompressEnd(&stream)
        try start()
    }

    func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, finish: Bool)
        -> (consumed: Int, produced: Int, ended: Bool, damage: InputDamage?)
    {
        guard output.count > 0 else { return (0, 0, false, nil) }
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: CChar.self))
        stream.avail_in = UInt32(min(input.count, Int(UInt32.max)))
        stream.next_out = output.baseAddress?.assumingMemoryBound(to: CChar.self)
        stream.avail_out = UInt32(min(output.count, Int(UInt32.max)))
        let (inBefore, outBefore) = (stream.avail_in, stream.avail_out)
        let status = BZ2_bzDecompress(&stream)
        let consumed = Int(inBefore - stream.avail_in)
        let produced = Int(outBefore - stream.avail_out)
        totalIn += consumed
        switch status {
        case BZ_OK: return (consumed, produced, false, nil)
        case BZ_STREAM_END: return (consumed, produced, true, nil)
        default:
            let damage = InputDamage(message: "corrupt bzip2 data at compressed byte \(totalIn): \(Self.describe(status))")
            return (consumed, produced, false, damage)
        }
    }

    static func describe(_ status: Int32) -> String {
        switch status {
        case BZ_DATA_ERROR: return "invalid compressed data (block checksum or structure)"
        case BZ_DATA_ERROR_MAGIC: return "not in the bzip2 format"
        case BZ_MEM_ERROR: return "out of memory"
        case BZ_PARAM_ERROR: return "bad parameters"
        default: return "libbz2 status \(status)"
        }
    }
}
