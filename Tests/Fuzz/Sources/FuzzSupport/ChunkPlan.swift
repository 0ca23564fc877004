/// How a fuzz input is cut into chunks, as a stream arrives from a decompressor or a pipe.
///
/// The sizes come from the input's first bytes, which stay part of the data (so a seed file
/// is a fuzz input as it is, and a mutation of its start also changes how it is cut).
public struct ChunkPlan: Sendable {
    public let sizes: [Int]

    /// One to 128 bytes a chunk, cycling over sizes made from the first four bytes.
    public init(_ bytes: UnsafeRawBufferPointer) {
        sizes = bytes.isEmpty ? [1] : (0..<4).map { 1 + Int(bytes[$0 % bytes.count]) % 128 }
    }

    /// The chunks of `bytes`, in order.
    public func chunks(of bytes: UnsafeRawBufferPointer) -> [UnsafeRawBufferPointer] {
        var out: [UnsafeRawBufferPointer] = []
        var offset = 0
        var index = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + sizes[index % sizes.count])
            out.append(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]))
            offset = end
            index += 1
        }
        return out
    }
}
