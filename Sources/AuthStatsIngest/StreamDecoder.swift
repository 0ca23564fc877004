import AuthStatsCore

/// One compression format's decoder, driven by `StreamDecoder` (xz, bzip2, zstd).
protocol DecompressionCodec: AnyObject {
    /// The name `summary.json` gives the compression (`xz`, `bzip2`, `zstd`).
    static var name: String { get }
    /// How `ContentSniffer` knows a stream of it.
    static var kind: ContentSniffer.Kind { get }
    /// Decodes from `input` into `output`. `finish`: no input follows `input`. Returns the
    /// bytes consumed and produced, whether a whole stream (member, frame) ended there, and the
    /// damage met, if any: the bytes produced before it in the same call are still returned
    /// (a thrown error would lose them; liblzma and libbz2 write them before they fail).
    func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, finish: Bool)
        -> (consumed: Int, produced: Int, ended: Bool, damage: InputDamage?)
    /// Makes the codec ready for another stream after one ended (concatenated streams).
    func reset() throws(InputDamage)
}

/// Decompresses a source with a `DecompressionCodec`, straight into the caller's buffer.
///
/// Every byte the codec decoded before damage is delivered, then the damage is thrown with
/// the compressed offset where it lies (libarchive's filters drop the block they were
/// filling). Concatenated streams (`cat a.bz2 b.bz2`, multi-frame zstd) are read to the end;
/// NUL bytes after a complete stream are padding, not damage.
final class StreamDecoder<Codec: DecompressionCodec>: ByteSource {
    static var chunk: Int { 1 << 20 }
    private let upstream: any ByteSource
    private let codec: Codec
    private let input: UnsafeMutableRawPointer
    private var inputCount = 0
    private var inputPosition = 0
    /// Compressed bytes consumed before the current input buffer.
    private var consumedBefore = 0
    private var atInputEnd = false
    /// A stream ended and no other has started yet (the input may end here).
    private var betweenStreams = false
    /// Where the stream after an earlier one began, until it gives a byte or ends: damage
    /// before that is bytes after the data, not a damaged stream.
    private var nextStreamAt: Int?
    /// Its first bytes (up to `headCount`), to tell a cut stream from junk at the input's end.
    private var nextStreamHead: [UInt8] = []
    private static var headCount: Int { 6 }
    private var deferred = DeferredDamage()
    /// Damage of the source found after the bytes of the last chunk: thrown at the next refill.
    private var upstreamDamage: InputDamage?

    init(_ upstream: any ByteSource, codec: Codec) {
        self.upstream = upstream
        self.codec = codec
        input = ScratchBuffers.take(Self.chunk).pointer
    }

    deinit { ScratchBuffers.give(input, capacity: Self.chunk) }

    func read(into space: UnsafeMutableRawBufferPointer) throws(InputDamage) -> Int {
        try deferred.rethrow()
        var produced = 0
        do throws(InputDamage) {
            try decode(into: space, produced: &produced)
            return produced
        } catch {
            return try deferred.deliver(produced, before: error)
        }
    }

    /// What the bytes after the last whole stream are when no stream of this codec starts
    /// there (nil: none came yet, or one does, so its damage or end is its own).
    private var junkAfterEnd: InputDamage? {
        guard let at = nextStreamAt, ContentSniffer.kind(of: nextStreamHead[...]) != Codec.kind else { return nil }
        return InputDamage(message: "unexpected data after the end of the \(Codec.name) stream, at compressed byte \(at) (no \(Codec.name) stream starts there)")
    }

    private func decode(into space: UnsafeMutableRawBufferPointer, produced: inout Int) throws(InputDamage) {
        while produced < space.count {
            if inputPosition == inputCount && !atInputEnd {
                consumedBefore += inputCount
                (inputCount, inputPosition) = (0, 0)
                if let damage = upstreamDamage {
                    upstreamDamage = nil
                    throw damage
                }
                (inputCount, upstreamDamage) = try upstream.fill(UnsafeMutableRawBufferPointer(start: input, count: Self.chunk))
                atInputEnd = inputCount == 0
            }
            let bytes = input.assumingMemoryBound(to: UInt8.self)
            if betweenStreams {
                while inputPosition < inputCount && bytes[inputPosition] == 0 { inputPosition += 1 }  // padding
                if inputPosition == inputCount {
                    if atInputEnd { return }
                    continue
                }
                try codec.reset()
                betweenStreams = false
                nextStreamAt = consumedBefore + inputPosition
                nextStreamHead = []
            }
            if nextStreamAt != nil && nextStreamHead.count < Self.headCount {
                let more = min(Self.headCount - nextStreamHead.count, inputCount - inputPosition)
                nextStreamHead += UnsafeBufferPointer(start: bytes + inputPosition, count: more)
            }
            let (consumed, made, ended, damage) = codec.decode(
                UnsafeRawBufferPointer(start: input + inputPosition, count: inputCount - inputPosition),
                into: UnsafeMutableRawBufferPointer(rebasing: space[produced...]), finish: atInputEnd)
            inputPosition += consumed
            produced += made
            if let damage {
                // What follows a whole stream is not another: the bytes after the data (until
                // 2026-12-05 xz called them corrupt data, zstd an unknown frame descriptor).
                // (A stream that starts there and is damaged before its first byte is damage.)
                if let junk = junkAfterEnd { throw junk }
                throw damage
            }
            if made > 0 || ended { nextStreamAt = nil }
            if ended {
                betweenStreams = true
            } else if consumed == 0 && made == 0 {
                // No progress with room for both: the input ends inside a stream (or the codec is
                // stuck, which must not loop forever).
                let place = "at compressed byte \(consumedBefore + inputPosition)"
                if atInputEnd, let junk = junkAfterEnd { throw junk }
                if atInputEnd {
                    throw InputDamage(message: "truncated \(Codec.name) input: the file ends inside a compressed stream, \(place)")
                }
                if inputPosition < inputCount {
                    throw InputDamage(message: "corrupt \(Codec.name) data \(place): the decoder made no progress")
                }
            }
        }
    }
}
